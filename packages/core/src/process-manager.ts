import type { Document } from './document-store.js'
import { ValidationError } from './errors.js'
import { nameBasedUuid } from './ids.js'
import type { Command, Event, StoredEvent } from './messages.js'
import type { ProjectionDefinition, ProjectionSource } from './projection.js'
import { defineProjection } from './projection.js'
import type { ScheduleStore } from './schedule-store.js'

/** What a process manager decides for one event. */
export interface ProcessManagerOutcome<State> {
  /** The correlation's new state; unchanged when absent. */
  state?: State
  /** Sent after the state is committed, each with an id derived from the event (redelivery-safe). */
  commands?: readonly Command[]
  /** Timers: at `at`, send `command`. `id` is unique within the correlation; re-scheduling replaces a pending timer. */
  schedule?: readonly { id: string; at: Date; command: Command }[]
  /** Ids (as given in `schedule`) of pending timers to cancel. */
  cancel?: readonly string[]
  /** The process is over: its state is deleted. */
  done?: boolean
}

/**
 * A process manager (saga): reacts to events, keeps state per correlation (for example per todo),
 * sends commands and schedules timeouts. `handle` is a pure function; the runtime persists the
 * state with the checkpoint, and records commands and timers in an outbox in the same transaction,
 * sent after commit with ids derived from the event, so a crash or redelivery never loses or
 * doubles one.
 *
 * @example
 * const deadlines = defineProcessManager<TodoEvent, { deadline?: string }>({
 *   name: 'todo_deadlines',
 *   correlate: { DeadlineWasAddedToTodo: (e) => e.data.todoId, TodoWasMarkedAsDone: (e) => e.data.todoId },
 *   initialState: {},
 *   handle: (state, event) => event.type === 'DeadlineWasAddedToTodo'
 *     ? { state: { deadline: event.data.deadline }, schedule: [{ id: 'expire', at: new Date(event.data.deadline), command: { type: 'mark-todo-as-expired', data: { todoId: event.data.todoId } } }] }
 *     : { cancel: ['expire'], done: true },
 * })
 */
export interface ProcessManagerDefinition<E extends Event, State extends Document> {
  readonly name: string
  /** The correlation id of each event type it reacts to; undefined skips the event. */
  readonly correlate: {
    readonly [T in E['type']]?: (event: StoredEvent<Extract<E, { type: T }>>) => string | undefined
  }
  readonly initialState: State
  handle(state: State, event: StoredEvent<E>): ProcessManagerOutcome<State>
  readonly source?: Omit<ProjectionSource, 'types'>
  /** Default `'park'`: a failing event is parked and reported, the process goes on. */
  readonly onFailure?: 'fault' | 'park'
}

export interface ProcessManagerRuntime {
  /** Sends a command; `metadata.messageId` is set and must be kept (the receiver dedupes by it). */
  dispatch(command: Command): Promise<unknown>
  /** Where timers go; run `startScheduler` on it with the same dispatch. */
  schedules: ScheduleStore
}

export interface ProcessState<State> {
  [key: string]: unknown
  correlationId: string
  state: State
  updatedAt: string
}

type OutboxEntry = { outboxId: string; order: number } & (
  | { kind: 'command'; command: Command }
  | { kind: 'schedule'; id: string; at: string; command: Command }
  | { kind: 'cancel'; id: string }
)
type NewEntry = OutboxEntry extends infer T ? (T extends OutboxEntry ? Omit<T, 'outboxId'> : never) : never

/** Turns a process manager into a projection the read side runs (kind `'process-manager'`). */
export function defineProcessManager<E extends Event, State extends Document>(
  definition: ProcessManagerDefinition<E, State>,
  runtime: ProcessManagerRuntime,
): ProjectionDefinition {
  const { name } = definition
  if (name.length > 30) throw new ValidationError(`Process manager name "${name}" is longer than 30`)
  const states = `${name}_state`
  const outbox = `${name}_outbox`
  const correlate = definition.correlate as Record<
    string,
    ((event: StoredEvent) => string | undefined) | undefined
  >
  const timerId = (correlationId: string, id: string) => `${name}:${correlationId}:${id}`

  return defineProjection({
    name,
    kind: 'process-manager',
    version: 1,
    collections: { [states]: {}, [outbox]: { indexes: ['order'] } },
    source: { ...definition.source, types: Object.keys(correlate) },
    onFailure: definition.onFailure ?? 'park',
    handlers: {
      '*': async (event, context) => {
        const correlationId = correlate[event.type]?.(event)
        if (correlationId === undefined) return
        const stateDocs = context.collection<ProcessState<State>>(states)
        const current = (await stateDocs.get(correlationId))?.state ?? definition.initialState
        const outcome = definition.handle(current, event as StoredEvent<E>)
        const causation = {
          correlationId: event.metadata.correlationId ?? event.eventId,
          causationId: event.eventId,
          sender: `process-manager:${name}`,
          ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
        }
        const entries: { id: string; entry: NewEntry }[] = []
        let order = event.globalPosition * 1000
        for (const [index, command] of (outcome.commands ?? []).entries()) {
          const messageId = await nameBasedUuid(`${name}:${event.eventId}:command:${index}`)
          entries.push({
            id: messageId,
            entry: {
              kind: 'command',
              order: order++,
              command: { ...command, metadata: { ...command.metadata, ...causation, messageId } },
            },
          })
        }
        for (const timer of outcome.schedule ?? []) {
          const id = timerId(correlationId, timer.id)
          const messageId = await nameBasedUuid(`${id}:${timer.at.toISOString()}`)
          const command = {
            ...timer.command,
            metadata: { ...timer.command.metadata, ...causation, messageId },
          }
          entries.push({
            id: await nameBasedUuid(`${name}:${event.eventId}:schedule:${timer.id}`),
            entry: { kind: 'schedule', id, at: timer.at.toISOString(), command, order: order++ },
          })
        }
        for (const cancelled of outcome.cancel ?? []) {
          entries.push({
            id: await nameBasedUuid(`${name}:${event.eventId}:cancel:${cancelled}`),
            entry: { kind: 'cancel', id: timerId(correlationId, cancelled), order: order++ },
          })
        }
        const pending = context.collection<OutboxEntry>(outbox)
        for (const { id, entry } of entries) await pending.put(id, { ...entry, outboxId: id })
        if (outcome.done) await stateDocs.delete(correlationId)
        else if (outcome.state !== undefined || !(await stateDocs.get(correlationId))) {
          await stateDocs.put(correlationId, {
            correlationId,
            state: outcome.state ?? current,
            updatedAt: new Date().toISOString(),
          })
        }
      },
    },
    async afterCommit(context) {
      const pending = context.collection<OutboxEntry & Document>(outbox)
      for (;;) {
        const entries = await pending.find({ orderBy: [{ field: 'order' }], limit: 100 })
        if (entries.length === 0) return
        for (const entry of entries) {
          if (entry.kind === 'command') await runtime.dispatch(entry.command)
          else if (entry.kind === 'schedule') {
            await runtime.schedules.schedule({
              id: entry.id,
              dueAt: new Date(entry.at),
              payload: {
                type: entry.command.type,
                data: entry.command.data,
                metadata: entry.command.metadata ?? {},
              },
            })
          } else await runtime.schedules.cancel(entry.id)
          await pending.delete(entry.outboxId)
        }
      }
    },
  })
}
