import { seg } from '../api.js'
import { useData } from '../hooks.js'
import { href } from '../router.js'
import type { FlowAnswer, LogPage, MessageFlow } from '../types.js'
import { Feedback } from '../ui/feedback.js'
import { formatDuration, formatTime } from '../ui/format.js'
import { FlowGraph, flowSequence, senderName } from '../ui/flow-graph.js'
import { LookupForm } from '../ui/lookup-form.js'

/** How one request flowed: command -> events -> process manager -> commands -> events. */
export function FlowView(props: { correlationId: string | undefined }) {
  return (
    <>
      <h1 tabIndex={-1}>Flow</h1>
      <LookupForm
        route="flow"
        purpose="Find a flow"
        label="Correlation id"
        id="flow-correlation"
        value={props.correlationId}
        submit="Show the flow"
        search
      />
      {props.correlationId ? <Flow correlationId={props.correlationId} /> : <RecentCorrelations />}
    </>
  )
}

function Flow(props: { correlationId: string }) {
  const flow = useData((api) => api.get<FlowAnswer>(`flows/${seg(props.correlationId)}`), props.correlationId)
  const data = flow.data
  return (
    <>
      <Feedback loading={flow.loading} error={flow.error} what="the flow" />
      {data && (
        <>
          <p data-testid="flow-summary">
            {data.commands.length} command{data.commands.length === 1 ? '' : 's'}, {data.events.length} event
            {data.events.length === 1 ? '' : 's'} over {formatDuration(data.durationMs)}
            {data.commands.some((command) => command.sender) &&
              `, through ${[...new Set(data.commands.flatMap((c) => (c.sender ? [senderName(c.sender)] : [])))].join(', ')}`}
            .{data.truncated && ' The flow has more events: these are its first.'}
          </p>
          <FlowGraph flow={data} />
          <h2 id="flow-steps">Step by step</h2>
          <FlowList flow={data} />
        </>
      )}
    </>
  )
}

/** The graph as an ordered list, for reading without the picture. */
function FlowList(props: { flow: MessageFlow }) {
  const { flow } = props
  const events = new Map(flow.events.map((event) => [event.eventId, event]))
  return (
    <ol class="flow-list" aria-labelledby="flow-steps">
      {flowSequence(flow).map((node) => {
        if (node.kind === 'command') {
          const command = node.command
          const cause = command.causedBy ? events.get(command.causedBy) : undefined
          return (
            <li key={command.id} class="flow-command" data-command={command.type}>
              Command <code>{command.type}</code>
              {command.sender ? (
                <>
                  {' '}
                  sent by <strong class="sender">{command.sender}</strong>
                  {cause && (
                    <>
                      {' '}
                      after <code>{cause.type}</code> ({cause.streamId} v{cause.version})
                    </>
                  )}
                </>
              ) : (
                ' from a client'
              )}
              , {formatTime(command.at)}
            </li>
          )
        }
        const event = node.event
        const edge = flow.edges.find(
          (candidate) => candidate.to === event.eventId && candidate.kind === 'produced',
        )
        return (
          <li key={event.eventId} class="flow-event" data-event={event.type}>
            Event <code>{event.type}</code> in{' '}
            <a href={href(['streams', event.streamId])}>{event.streamId}</a> v{event.version}, position{' '}
            {event.position}
            {edge?.ms !== undefined && `, ${formatDuration(edge.ms)} after the event that caused its command`}
          </li>
        )
      })}
    </ol>
  )
}

function RecentCorrelations() {
  const tail = useData((api) => api.get<LogPage>('log/tail?limit=300'), 'tail')
  const seen = new Map<string, { events: number; first: string }>()
  for (const event of [...(tail.data?.events ?? [])].reverse()) {
    const id = event.metadata.correlationId
    if (typeof id !== 'string') continue
    const current = seen.get(id)
    seen.set(id, { events: (current?.events ?? 0) + 1, first: event.type })
  }
  return (
    <section aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent correlations</h2>
      <Feedback loading={tail.loading} error={tail.error} what="recent events" />
      {tail.data && seen.size === 0 && (
        <p class="muted">No event of the last 300 carries a correlation id.</p>
      )}
      <ul class="correlations">
        {[...seen].slice(0, 30).map(([id, info]) => (
          <li key={id}>
            <a href={href(['flow', id])}>{id}</a>{' '}
            <span class="muted">
              {info.events} event{info.events === 1 ? '' : 's'}, newest {info.first}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
