import { ActaError, isActaError, isConcurrencyError } from './errors.js'
import type { AppendResult, EventStore, ExpectedVersion } from './event-store.js'
import { nameBasedUuid, uuidv7 } from './ids.js'
import { decidedEvents, evolveAll, type Decider } from './decider.js'
import type { Command, Event, Metadata, NewEvent, StoredEvent } from './messages.js'

/** What the stages of one command share. Stages read and write it, then call `next()`. */
export interface CommandContext<C extends Command, E extends Event, S> {
  readonly command: C
  readonly streamId: string
  /** Metadata of the command, with a `messageId` assigned if it had none. */
  readonly commandMetadata: Metadata & { messageId: string }
  /** 1 for the first try, +1 for each retry after a version conflict. */
  readonly attempt: number
  state: S
  /** Stream version the state was loaded at; 0 when the stream does not exist. */
  version: number
  exists: boolean
  /** The version the caller demanded (e.g. from an If-Match header), if any. */
  readonly requestedVersion: ExpectedVersion | undefined
  /** The version the append will expect: set by `load` to the requested or the loaded version. */
  expectedVersion: ExpectedVersion
  /** Events decided, then enriched, then appended. */
  events: NewEvent<E>[]
  result?: AppendResult
}

/** One step of the pipeline. Do the work, then `await next()`, or throw an ActaError to refuse. */
export type Stage<C extends Command, E extends Event, S> = (
  ctx: CommandContext<C, E, S>,
  next: () => Promise<void>,
) => Promise<void>

export interface DefaultStages<C extends Command, E extends Event, S> {
  load: Stage<C, E, S>
  decide: Stage<C, E, S>
  enrich: Stage<C, E, S>
  append: Stage<C, E, S>
}

export type CommandResult<E extends Event, S> =
  | {
      readonly ok: true
      readonly events: readonly StoredEvent<E>[]
      readonly version: number
      /** Global position of the last appended event; undefined when the command decided nothing. */
      readonly position: number | undefined
      readonly state: S
    }
  | { readonly ok: false; readonly error: ActaError }

export interface CommandHandlerOptions<C extends Command, E extends Event, S> {
  decider: Decider<C, E, S>
  store: EventStore
  streamId: (command: C) => string
  /** Rearranges the stages: insert authorization, enrichment or middleware. Defaults to load, decide, enrich, append. */
  stages?: (defaults: DefaultStages<C, E, S>) => readonly Stage<C, E, S>[]
  /** Extra metadata on every event, after correlation/causation and before the event's own. */
  metadata?: (ctx: CommandContext<C, E, S>) => Metadata
  /** Reload and decide again after a version conflict, up to this many times. Default 0. */
  retryOnConflict?: number
  /** Save a snapshot whenever the version crosses a multiple of `every`; loads ignore other `schemaVersion`s. */
  snapshot?: { every: number; schemaVersion?: number }
  /** Told about failures that do not fail the command (a snapshot that could not be saved). */
  onWarning?: (message: string, error: unknown) => void
}

export interface HandleOptions {
  /** Overrides the loaded version (optimistic concurrency from the client); conflicts are then never retried. */
  expectedVersion?: ExpectedVersion
}

/**
 * Builds the command pipeline: load state (snapshot + newer events) -> decide -> enrich -> append.
 * Refusals (ActaError thrown by a stage or by `decide`) come back as `{ ok: false, error }`;
 * anything else is a bug and is thrown.
 *
 * @example
 * const handle = commandHandler({ decider, store, streamId: (c) => `cart-${c.data.cartId}`, retryOnConflict: 3 })
 * const result = await handle({ type: 'AddItem', data: { cartId: 'c1', sku: 'a' } })
 * if (!result.ok) console.log(result.error.code)
 */
export function commandHandler<C extends Command, E extends Event, S>(
  options: CommandHandlerOptions<C, E, S>,
): (command: C, handleOptions?: HandleOptions) => Promise<CommandResult<E, S>> {
  const { decider, store } = options
  const snapshotEvery = options.snapshot?.every ?? 0
  const snapshotSchema = options.snapshot?.schemaVersion ?? 1
  const warn = options.onWarning ?? ((message, error) => console.warn(message, error))

  const defaults: DefaultStages<C, E, S> = {
    async load(ctx, next) {
      let state = decider.initialState()
      let from = 1
      if (snapshotEvery > 0) {
        const snapshot = await store.loadSnapshot<S>(ctx.streamId)
        if (snapshot && snapshot.schemaVersion === snapshotSchema) {
          state = snapshot.state
          from = snapshot.version + 1
        }
      }
      const read = await store.readStream(ctx.streamId, { from })
      if (!read.exists) state = decider.initialState()
      ctx.state = evolveAll(decider.evolve, state, read.events as unknown as E[])
      ctx.version = read.version
      ctx.exists = read.exists
      ctx.expectedVersion = ctx.requestedVersion ?? (read.exists ? read.version : 'no-stream')
      await next()
    },
    async decide(ctx, next) {
      ctx.events = decidedEvents(decider.decide(ctx.command, ctx.state)).map((e) => ({
        ...e,
      })) as NewEvent<E>[]
      await next()
    },
    async enrich(ctx, next) {
      const { messageId, correlationId, traceparent, tracestate } = ctx.commandMetadata
      const base: Metadata = {
        correlationId: correlationId ?? messageId,
        causationId: messageId,
        // what caused the events, for tracing a flow from the log alone: the command's type, what
        // caused the command (an event, when a process manager sent it), and who sent it
        commandType: ctx.command.type,
      }
      const { causationId: commandCausationId, sender } = ctx.command.metadata ?? {}
      if (typeof commandCausationId === 'string') base.commandCausationId = commandCausationId
      if (typeof sender === 'string') base.commandSender = sender
      if (traceparent !== undefined) base.traceparent = traceparent
      if (tracestate !== undefined) base.tracestate = tracestate
      const extra = options.metadata?.(ctx) ?? {}
      // a caller-supplied messageId is an idempotency key: the same command yields the same event ids
      const key = ctx.command.metadata?.messageId
      const ids = await Promise.all(
        ctx.events.map((e, i) =>
          e.eventId !== undefined
            ? Promise.resolve(e.eventId)
            : key
              ? nameBasedUuid(`acta:${ctx.streamId}:${key}:${i}`)
              : Promise.resolve(uuidv7()),
        ),
      )
      ctx.events = ctx.events.map((e, i) => ({
        ...e,
        eventId: ids[i],
        metadata: { ...base, ...extra, ...e.metadata },
      }))
      await next()
    },
    async append(ctx, next) {
      if (ctx.events.length > 0) {
        ctx.result = await store.append(ctx.streamId, ctx.events, { expectedVersion: ctx.expectedVersion })
      }
      await next()
    },
  }
  const stages = options.stages
    ? options.stages(defaults)
    : [defaults.load, defaults.decide, defaults.enrich, defaults.append]
  const run = compose(stages)

  return async (command, handleOptions = {}) => {
    const streamId = options.streamId(command)
    const commandMetadata = { ...command.metadata, messageId: command.metadata?.messageId ?? uuidv7() }
    const retries = handleOptions.expectedVersion === undefined ? (options.retryOnConflict ?? 0) : 0
    for (let attempt = 1; ; attempt++) {
      const ctx: CommandContext<C, E, S> = {
        command,
        streamId,
        commandMetadata,
        attempt,
        state: decider.initialState(),
        version: 0,
        exists: false,
        requestedVersion: handleOptions.expectedVersion,
        expectedVersion: handleOptions.expectedVersion ?? 'any',
        events: [],
      }
      try {
        await run(ctx)
      } catch (error) {
        if (isConcurrencyError(error) && attempt <= retries) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
          continue
        }
        if (isActaError(error)) return { ok: false, error }
        throw error
      }
      const stored = (ctx.result?.events ?? []) as readonly StoredEvent<E>[]
      const state = evolveAll(decider.evolve, ctx.state, stored as unknown as E[])
      const version = ctx.result?.version ?? ctx.version
      if (
        snapshotEvery > 0 &&
        ctx.result &&
        Math.floor(version / snapshotEvery) > Math.floor(ctx.version / snapshotEvery)
      ) {
        await store
          .saveSnapshot(streamId, { version, state, schemaVersion: snapshotSchema })
          .catch((error: unknown) =>
            warn(`Could not save a snapshot of ${streamId} at version ${version}`, error),
          )
      }
      return { ok: true, events: stored, version, position: ctx.result?.position, state }
    }
  }
}

/** Chains stages so that each one's `next()` runs the rest. */
function compose<C extends Command, E extends Event, S>(
  stages: readonly Stage<C, E, S>[],
): (ctx: CommandContext<C, E, S>) => Promise<void> {
  return (ctx) => {
    let last = -1
    const dispatch = async (i: number): Promise<void> => {
      if (i <= last) throw new ActaError('INTERNAL', 'A pipeline stage called next() twice')
      last = i
      const stage = stages[i]
      if (stage) await stage(ctx, () => dispatch(i + 1))
    }
    return dispatch(0)
  }
}
