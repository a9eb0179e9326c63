import { seg } from '../api.js'
import { useData } from '../hooks.js'
import { href } from '../router.js'
import type { ParkedEvent, ProcessInstances, TimerJson } from '../types.js'
import { Feedback } from '../ui/feedback.js'
import { formatTime } from '../ui/format.js'
import { JsonView } from '../ui/json-view.js'

/** The correlations a process manager follows, with their state and pending timeouts. */
export function ProcessInstancesTable(props: { name: string }) {
  const found = useData(
    (api) => api.get<ProcessInstances>(`process-managers/${seg(props.name)}/instances?limit=100`),
    props.name,
    2000,
  )
  const data = found.data
  const orphans =
    data?.timers.filter((timer) => !data.instances.some((i) => i.correlationId === timer.correlationId)) ?? []
  return (
    <section class="instances" aria-label={`Instances of ${props.name}`}>
      <h2>Instances of {props.name}</h2>
      <Feedback loading={found.loading} error={found.error} what="instances" />
      {data && (
        <>
          <p class="muted">
            {data.total} active instance{data.total === 1 ? '' : 's'}
            {data.total > data.instances.length
              ? `, the ${data.instances.length} updated last shown`
              : ''}; {data.timers.length} pending timeout{data.timers.length === 1 ? '' : 's'}.
          </p>
          {data.instances.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Correlation</th>
                  <th scope="col">State</th>
                  <th scope="col">Updated</th>
                  <th scope="col">Pending timeouts</th>
                </tr>
              </thead>
              <tbody>
                {data.instances.map((instance) => (
                  <tr key={instance.correlationId} data-correlation={instance.correlationId}>
                    <th scope="row">
                      <code>{instance.correlationId}</code>
                    </th>
                    <td>
                      <JsonView value={instance.state} label={`State of ${instance.correlationId}`} />
                    </td>
                    <td>{formatTime(instance.updatedAt)}</td>
                    <td>
                      <Timers timers={instance.timers} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {orphans.length > 0 && (
            <>
              <h3>Timeouts of finished instances</h3>
              <Timers timers={orphans} />
            </>
          )}
        </>
      )}
    </section>
  )
}

function Timers(props: { timers: TimerJson[] }) {
  if (props.timers.length === 0) return <span class="muted">none</span>
  return (
    <ul class="timers">
      {props.timers.map((timer) => (
        <li key={timer.id} data-timer={timer.id}>
          due <time dateTime={timer.dueAt}>{formatTime(timer.dueAt)}</time>: sends{' '}
          <code>{timer.command.type}</code>
          {timer.attempts > 0 && ` (${timer.attempts} failed attempts: ${timer.lastError ?? ''})`}
          <JsonView value={timer.command.data} label={`Data of ${timer.command.type}`} />
        </li>
      ))}
    </ul>
  )
}

/** Events a projection parked after they kept failing. */
export function ParkedEvents(props: { name: string }) {
  const found = useData(
    (api) => api.get<{ parked: ParkedEvent[] }>(`projections/${seg(props.name)}/parked`),
    props.name,
  )
  return (
    <section aria-label={`Parked events of ${props.name}`}>
      <h2>Parked events of {props.name}</h2>
      <Feedback loading={found.loading} error={found.error} what="parked events" />
      {found.data && (
        <ul class="parked">
          {found.data.parked.map((event) => (
            <li key={event.eventId}>
              <a href={href(['streams', event.streamId])}>{event.streamId}</a> position {event.globalPosition}{' '}
              <code>{event.type}</code>: <span class="error-text">{event.error}</span> ({event.attempts}{' '}
              attempts, parked {formatTime(event.parkedAt)})
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
