import type { ConsumerStatus as ServerConsumerStatus } from '@acta/core'
import { useRef } from 'preact/hooks'
import { useData, useNow } from '../hooks.js'
import { Feedback } from '../ui/feedback.js'
import type { Json } from '../types.js'
import { formatAgo, formatCount, formatTime } from '../ui/format.js'

/** A checkpointed reader of the log that is not a projection, as `GET consumers` answers it. */
export type ConsumerStatus = Json<ServerConsumerStatus>

/**
 * The consumers section of the projections view: outbox relays, log subscriptions and any other
 * reader that saves a checkpoint, with lag, last save and the instance holding its lease.
 */
export function ConsumersSection() {
  const status = useData((a) => a.get<{ consumers: ConsumerStatus[] }>('consumers'), 'consumers', 2000)
  // "12 s ago" counts on between answers, from the time the answer was measured
  const loadedAt = useLoadedAt(status.data)
  const now = useNow(1000)
  const consumers = status.data?.consumers ?? []
  return (
    <section aria-labelledby="consumers-heading">
      <h2 id="consumers-heading">Consumers</h2>
      <p class="muted small">
        Outbox relays and log subscriptions: readers of the log that save a checkpoint. The holder is the
        instance holding the lease of the same name (a log subscription holds none).
      </p>
      <Feedback loading={status.loading} error={status.error} what="consumers" />
      {status.data && consumers.length === 0 && (
        <p class="muted">No consumer has saved a checkpoint on this database yet.</p>
      )}
      {consumers.length > 0 && (
        <table class="consumers" aria-labelledby="consumers-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Position</th>
              <th scope="col">Head</th>
              <th scope="col">Lag</th>
              <th scope="col">Last update</th>
              <th scope="col">Holder</th>
            </tr>
          </thead>
          <tbody>
            {consumers.map((c) => (
              <tr key={c.name} data-consumer={c.name} data-kind={c.kind}>
                <th scope="row">
                  {c.name} <span class={`badge kind-${c.kind}`}>{kindLabel(c.kind)}</span>
                </th>
                <td class="num">{formatCount(c.position)}</td>
                <td class="num">{formatCount(c.headPosition)}</td>
                <td class="num" data-testid="lag">
                  {formatCount(c.lagEvents)}
                </td>
                <td>
                  <time dateTime={c.updatedAt} title={formatTime(c.updatedAt)}>
                    {formatAgo(c.idleMs + Math.max(0, now - loadedAt))}
                  </time>
                </td>
                <td data-testid="holder">
                  {c.holder ? (
                    <span
                      class={c.holder.alive ? 'state state-running' : 'state state-offline'}
                      title={`lease until ${formatTime(c.holder.expiresAt)}`}
                    >
                      {c.holder.owner}
                      {c.holder.alive ? '' : ' (expired)'}
                    </span>
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** When `data` last changed: the moment the answer's `idleMs` was measured, near enough. */
function useLoadedAt(data: unknown): number {
  const ref = useRef<{ data: unknown; at: number }>({ data: undefined, at: Date.now() })
  if (ref.current.data !== data) ref.current = { data, at: Date.now() }
  return ref.current.at
}

const kindLabel = (kind: ConsumerStatus['kind']) =>
  kind === 'outbox-relay' ? 'outbox relay' : kind === 'log-subscription' ? 'log subscription' : 'consumer'
