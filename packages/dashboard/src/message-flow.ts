import type { EventJson } from './event-json.js'

/** A command seen through the events it produced (commands themselves are not in the log). */
export interface FlowCommand {
  /** The command's message id (the `causationId` of its events). */
  id: string
  type: string
  /** `process-manager:<name>` when a process manager sent it; absent for a client's command. */
  sender: string | undefined
  /** The event that made a process manager send it. */
  causedBy: string | undefined
  /** When its first event was recorded. */
  at: string
  events: string[]
}

export interface FlowEdge {
  from: string
  to: string
  kind: 'produced' | 'triggered'
  /** Time from the source's recording to the target's (ms); for `produced`, from the triggering event when known. */
  ms: number | undefined
}

/** The graph of one correlation: command -> events -> process manager -> commands -> events. */
export interface MessageFlow {
  correlationId: string
  commands: FlowCommand[]
  events: EventJson[]
  edges: FlowEdge[]
  /** From the first to the last event (ms). */
  durationMs: number
}

/** `GET /flows/:correlationId`: the flow, and whether the correlation has more events than were read. */
export interface FlowAnswer extends MessageFlow {
  truncated: boolean
}

/**
 * Builds the flow graph of a correlation from its events (in log order): each event points back
 * to its command (`causationId`, `commandType`), and a command a process manager sent points back
 * to the event that triggered it (`commandCausationId`, `commandSender`).
 */
export function messageFlow(correlationId: string, events: readonly EventJson[]): MessageFlow {
  const commands = new Map<string, FlowCommand>()
  const byId = new Map(events.map((event) => [event.eventId, event]))
  const edges: FlowEdge[] = []
  for (const event of events) {
    const meta = event.metadata
    const commandId = typeof meta.causationId === 'string' ? meta.causationId : undefined
    if (commandId === undefined || byId.has(commandId)) continue
    let command = commands.get(commandId)
    if (!command) {
      command = {
        id: commandId,
        type: typeof meta.commandType === 'string' ? meta.commandType : 'unknown command',
        sender: typeof meta.commandSender === 'string' ? meta.commandSender : undefined,
        causedBy: typeof meta.commandCausationId === 'string' ? meta.commandCausationId : undefined,
        at: event.recordedAt,
        events: [],
      }
      commands.set(commandId, command)
      const cause = command.causedBy === undefined ? undefined : byId.get(command.causedBy)
      if (cause) edges.push({ from: cause.eventId, to: commandId, kind: 'triggered', ms: undefined })
    }
    command.events.push(event.eventId)
    const cause = command.causedBy === undefined ? undefined : byId.get(command.causedBy)
    edges.push({
      from: commandId,
      to: event.eventId,
      kind: 'produced',
      ms: cause ? Date.parse(event.recordedAt) - Date.parse(cause.recordedAt) : undefined,
    })
  }
  const first = events[0]
  const last = events.at(-1)
  return {
    correlationId,
    commands: [...commands.values()],
    events: [...events],
    edges,
    durationMs: first && last ? Date.parse(last.recordedAt) - Date.parse(first.recordedAt) : 0,
  }
}
