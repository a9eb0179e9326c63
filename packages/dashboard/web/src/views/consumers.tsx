import type { ConsumerStatus as ServerConsumerStatus, QueueStatus } from '@acta/core'
import { useRef } from 'preact/hooks'
import { useData, useNow } from '../hooks.js'
import { href } from '../router.js'
import { Feedback } from '../ui/feedback.js'
import type { Json } from '../types.js'
import { formatAgo, formatCount, formatTime } from '../ui/format.js'
import { ColumnHeads } from '../ui/column-heads.js'

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
          <ColumnHeads names={['Name', 'Position', 'Head', 'Lag', 'Last update', 'Holder']} />
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

/**
 * The transport's durable queues: commands, groups, named subscribers and requests, with what
 * waits in them, their consumers in every process and their parked messages. A queue where
 * messages wait and nobody consumes is flagged: nothing will take them until a consumer starts.
 */
export function QueuesSection() {
  const status = useData((a) => a.get<{ queues: QueueStatus[] }>('queues'), 'queues', 2000)
  const queues = status.data?.queues ?? []
  return (
    <section aria-labelledby="queues-heading">
      <h2 id="queues-heading">Queues</h2>
      <p class="muted small">
        The message bus: command queues, subscription groups, named subscribers and request queues. Waiting
        counts what no consumer holds yet; parked, what consumers gave up on.
      </p>
      <Feedback loading={status.loading} error={status.error} what="queues" />
      {status.data && queues.length === 0 && <p class="muted">The transport has no durable queue yet.</p>}
      {queues.length > 0 && (
        <table class="queues" aria-labelledby="queues-heading">
          <ColumnHeads names={['Queue', 'Waiting', 'Consumers', 'Parked']} />
          <tbody>
            {queues.map((q) => (
              <tr key={q.queue} data-queue={q.queue}>
                <th scope="row">{q.queue}</th>
                <td class="num" data-testid="waiting">
                  {formatCount(q.ready)}
                </td>
                <td class="num" data-testid="queue-consumers">
                  {q.consumers === 0 && q.ready > 0 ? (
                    <span class="state state-offline" title="messages wait and no consumer takes them">
                      0 (none to take them)
                    </span>
                  ) : (
                    formatCount(q.consumers)
                  )}
                </td>
                <td class="num" data-testid="parked">
                  {q.parked > 0 ? (
                    <a href={href(['dead-letters'])} class="state state-faulted">
                      {formatCount(q.parked)}
                    </a>
                  ) : (
                    '0'
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
