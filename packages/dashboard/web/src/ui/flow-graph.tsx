import type { EventJson, FlowCommand, MessageFlow } from '../types.js'
import { formatDuration } from './format.js'

export type FlowNode =
  { kind: 'command'; id: string; command: FlowCommand } | { kind: 'event'; id: string; event: EventJson }

/** Commands and events in time order: each command just before the first event it produced. */
export function flowSequence(flow: MessageFlow): FlowNode[] {
  const position = new Map(flow.events.map((event) => [event.eventId, event.position]))
  const keyed: { key: number; node: FlowNode }[] = [
    ...flow.events.map((event) => ({
      key: event.position,
      node: { kind: 'event' as const, id: event.eventId, event },
    })),
    ...flow.commands.map((command) => ({
      key: Math.min(...command.events.map((id) => position.get(id) ?? Infinity)) - 0.5,
      node: { kind: 'command' as const, id: command.id, command },
    })),
  ]
  return keyed.sort((a, b) => a.key - b.key).map((entry) => entry.node)
}

/** `process-manager:deadlines` -> `deadlines (process manager)`. */
export function senderName(sender: string): string {
  return sender.startsWith('process-manager:')
    ? `${sender.slice('process-manager:'.length)} (process manager)`
    : sender
}

const column = 210
const nodeWidth = 190
const nodeHeight = 48
const lanes = { command: 30, event: 150 }
const margin = 20

/**
 * The flow left to right in time order as SVG: commands as square boxes on the upper lane, events as
 * rounded pills on the lower one; `produced` edges carry the time since the triggering event,
 * process-manager hops carry the sender.
 */
export function FlowGraph(props: { flow: MessageFlow }) {
  const nodes = flowSequence(props.flow)
  const at = new Map(
    nodes.map((node, index) => [node.id, { x: margin + index * column, y: lanes[node.kind], node }] as const),
  )
  const width = margin * 2 + Math.max(1, nodes.length) * column - (column - nodeWidth)
  const height = lanes.event + nodeHeight + margin + 10
  const commands = props.flow.commands.length
  return (
    <>
      <div class="flow-graph" tabIndex={0} role="region" aria-label="Flow graph (scrolls sideways)">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`Flow of ${props.flow.correlationId}: ${commands} commands and ${props.flow.events.length} events, left to right in time order; the list below says the same`}
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
            </marker>
          </defs>
          {props.flow.edges.map((edge) => {
            const from = at.get(edge.from)
            const to = at.get(edge.to)
            if (!from || !to) return null
            const x1 = from.x + nodeWidth
            const y1 = from.y + nodeHeight / 2
            const x2 = to.x
            const y2 = to.y + nodeHeight / 2
            const mid = (x1 + x2) / 2
            const target = to.node
            const label =
              edge.kind === 'triggered' && target.kind === 'command' && target.command.sender
                ? senderName(target.command.sender)
                : edge.ms !== undefined
                  ? `+${formatDuration(edge.ms)}`
                  : undefined
            return (
              <g key={`${edge.from}-${edge.to}`} class={`edge edge-${edge.kind}`} data-kind={edge.kind}>
                <path
                  d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
                  marker-end="url(#arrow)"
                  fill="none"
                />
                {label && (
                  <text x={mid} y={(y1 + y2) / 2 - 6} text-anchor="middle" class="edge-label">
                    {label}
                  </text>
                )}
              </g>
            )
          })}
          {nodes.map((node) => {
            const place = at.get(node.id)!
            const command = node.kind === 'command'
            const title = command ? node.command.type : node.event.type
            const subtitle = command
              ? node.command.sender
                ? `sent by ${node.command.sender.replace(/^process-manager:/, '')}`
                : 'command from a client'
              : `${node.event.streamId} v${node.event.version}`
            return (
              <g
                key={node.id}
                class={`node node-${node.kind}`}
                transform={`translate(${place.x} ${place.y})`}
                data-type={title}
              >
                <rect width={nodeWidth} height={nodeHeight} rx={command ? 2 : nodeHeight / 2} />
                <text x={nodeWidth / 2} y={20} text-anchor="middle" class="node-title">
                  {clip(title, 28)}
                </text>
                <text x={nodeWidth / 2} y={36} text-anchor="middle" class="node-subtitle">
                  {/* an event's pill has round ends: less room, and the end (the version) matters */}
                  {command ? clip(subtitle, 32) : clipMiddle(subtitle, 26)}
                </text>
                <title>{`${command ? 'Command' : 'Event'} ${title} — ${subtitle}`}</title>
              </g>
            )
          })}
        </svg>
      </div>
      <ul class="flow-legend">
        <li>
          <span class="key key-command" aria-hidden="true" /> command
        </li>
        <li>
          <span class="key key-event" aria-hidden="true" /> event
        </li>
        <li>
          <span class="key key-hop" aria-hidden="true" /> process-manager hop (labelled with the sender)
        </li>
        <li>+ms: time since the event that caused the command</li>
      </ul>
    </>
  )
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** `todo-0195f3…c0a13 v2`: the start and the end kept. */
function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text
  const head = Math.ceil((max - 1) / 2)
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`
}
