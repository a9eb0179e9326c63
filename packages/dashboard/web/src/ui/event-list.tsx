import { useState } from 'preact/hooks'
import { href } from '../router.js'
import type { EventJson } from '../types.js'
import { formatTime } from './format.js'
import { JsonView } from './json-view.js'

/** Events as rows; each expands to its data and metadata (the correlation links to its flow). */
export function EventList(props: { events: readonly EventJson[]; showStream: boolean; label: string }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current)
      if (!next.delete(id)) next.add(id)
      return next
    })
  if (props.events.length === 0) return <p class="muted">No events.</p>
  return (
    <table class="events" aria-label={props.label}>
      <thead>
        <tr>
          <th scope="col">Position</th>
          {props.showStream ? <th scope="col">Stream</th> : <th scope="col">Version</th>}
          <th scope="col">Type</th>
          <th scope="col">Recorded</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      {props.events.map((event) => {
        const expanded = open.has(event.eventId)
        const detailsId = `event-${event.eventId}`
        return (
          <tbody key={event.eventId} data-event-type={event.type} data-position={event.position}>
            <tr>
              <td class="num">{event.position}</td>
              {props.showStream ? (
                <td>
                  <a href={href(['streams', event.streamId])}>{event.streamId}</a>{' '}
                  <span class="muted">v{event.version}</span>
                </td>
              ) : (
                <td class="num">{event.version}</td>
              )}
              <th scope="row" class="type">
                {event.type}
              </th>
              <td>{formatTime(event.recordedAt)}</td>
              <td>
                <button
                  type="button"
                  class="quiet"
                  aria-expanded={expanded}
                  aria-controls={detailsId}
                  aria-label={`${expanded ? 'Hide' : 'Show'} ${event.type} at position ${event.position}`}
                  onClick={() => toggle(event.eventId)}
                >
                  {expanded ? 'Hide' : 'Show'}
                </button>
              </td>
            </tr>
            {expanded && (
              <tr class="details" id={detailsId}>
                <td colSpan={5}>
                  <EventDetails event={event} />
                </td>
              </tr>
            )}
          </tbody>
        )
      })}
    </table>
  )
}

export function EventDetails(props: { event: EventJson }) {
  const { event } = props
  const correlationId = event.metadata.correlationId
  return (
    <div class="event-details">
      <dl class="facts">
        <dt>Event id</dt>
        <dd>
          <code>{event.eventId}</code>
        </dd>
        <dt>Stream</dt>
        <dd>
          <a href={href(['streams', event.streamId])}>{event.streamId}</a> version {event.version}
        </dd>
        {typeof correlationId === 'string' && (
          <>
            <dt>Correlation</dt>
            <dd>
              <a href={href(['flow', correlationId])} class="correlation">
                {correlationId}
              </a>{' '}
              (see the flow)
            </dd>
          </>
        )}
      </dl>
      <div class="columns">
        <div>
          <h3>Data</h3>
          <JsonView value={event.data} label={`Data of ${event.type}`} />
        </div>
        <div>
          <h3>Metadata</h3>
          <JsonView value={event.metadata} label={`Metadata of ${event.type}`} />
        </div>
      </div>
    </div>
  )
}
