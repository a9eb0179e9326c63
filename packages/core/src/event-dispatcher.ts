import { ValidationError } from './errors.js'
import type { Event } from './messages.js'

export type ListenerMode = 'sync' | 'async'

/** A listener of the events of one type (narrowed from the union when it names types). */
export type EventListener<E extends Event = Event> = (event: E) => void | Promise<void>

/** The members of the union `E` with type `T`; all of `E` when `T` is `'*'` or `E` is untyped. */
export type EventOfType<E extends Event, T> = [Extract<E, { type: T }>] extends [never]
  ? E
  : Extract<E, { type: T }>

export interface ListenOptions {
  /** Higher runs first; ties run in registration order. Default 0. */
  priority?: number
  /** `sync` (default): awaited inside `dispatch`. `async`: runs after it, off the request path. */
  mode?: ListenerMode
  /** Names the listener in `stats()` and error reports. Default the function's name. */
  name?: string
}

export interface ListenerStats {
  readonly handled: number
  readonly failed: number
  readonly lastError: string | undefined
}

export interface AsyncListenerError<E extends Event = Event> {
  readonly listener: string
  readonly event: E
}

export interface EventDispatcherOptions<E extends Event = Event> {
  /** Told about every failed async listener. Default `console.error`. */
  onError?(error: unknown, context: AsyncListenerError<E>): void
}

export interface EventDispatcher<E extends Event = Event> {
  /**
   * Registers `listener` for one type, several, or `'*'` (every event); returns the unsubscribe.
   *
   * @example
   * const off = dispatcher.on('TodoPosted', (e) => todos.set(e.data.todoId, e.data), { priority: 10 })
   * dispatcher.on(['TodoPosted', 'TodoMarkedAsDone'], notify, { mode: 'async', name: 'mailer' })
   */
  on<T extends E['type'] | '*'>(
    types: T | readonly T[],
    listener: EventListener<EventOfType<E, T>>,
    options?: ListenOptions,
  ): () => void
  /**
   * Runs the sync listeners of each event in turn (priority order) and resolves when they are
   * done; queues the async ones. The first sync listener that throws rejects the dispatch, and
   * no listener sees that event or the later ones. Async listeners of the events dispatched
   * before it still run.
   */
  dispatch(events: E | readonly E[]): Promise<void>
  /** Resolves once every queued async listener has run, including work queued meanwhile. */
  drain(): Promise<void>
  /** Counts per registered listener name. */
  stats(): Record<string, ListenerStats>
}

interface Registration {
  readonly name: string
  readonly types: ReadonlySet<string> | '*'
  readonly listener: EventListener<never>
  readonly priority: number
  readonly mode: ListenerMode
  readonly seq: number
  handled: number
  failed: number
  lastError: string | undefined
  active: boolean
}

/**
 * In-process event listeners, as LightMVC has them: read models and policies that react to the
 * events a command produced. Sync listeners are part of the request (their failure fails it);
 * async listeners run after it on a timer, one event after another in dispatch order, and their
 * failures are counted and reported, never swallowed. For work that must survive a crash,
 * subscribe to the store's log instead: these queues live in memory.
 *
 * @example
 * const dispatcher = eventDispatcher<TodoEvent>({ onError: (error, { listener, event }) => log.error({ error, listener, event }) })
 * dispatcher.on('TodoPosted', (e) => openTodos.add(e.data.todoId))
 * dispatcher.on('TodoPosted', sendWelcomeMail, { mode: 'async' })
 * await dispatcher.dispatch(result.events)
 */
export function eventDispatcher<E extends Event = Event>(
  options: EventDispatcherOptions<E> = {},
): EventDispatcher<E> {
  const registrations: Registration[] = []
  const queue: { event: E; listeners: Registration[] }[] = []
  let seq = 0
  let pumping: Promise<void> | undefined

  const report = (error: unknown, context: AsyncListenerError<E>) => {
    try {
      if (options.onError) options.onError(error, context)
      else
        console.error(
          `[acta event dispatcher] async listener "${context.listener}" failed`,
          error,
          context.event,
        )
    } catch (reportError) {
      console.error('[acta event dispatcher] onError threw', reportError, 'reporting', error)
    }
  }

  const run = async (registration: Registration, event: E): Promise<unknown> => {
    try {
      await (registration.listener as EventListener<E>)(event)
      registration.handled++
      return undefined
    } catch (error) {
      registration.failed++
      registration.lastError = error instanceof Error ? error.message : String(error)
      return error ?? new Error('A listener threw a nullish value')
    }
  }

  const listenersOf = (event: E): Registration[] =>
    registrations.filter((r) => r.types === '*' || r.types.has(event.type))

  const pump = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      for (const registration of job.listeners) {
        if (!registration.active) continue
        const error = await run(registration, job.event)
        if (error !== undefined) report(error, { listener: registration.name, event: job.event })
      }
    }
    pumping = undefined
  }

  const enqueue = (event: E, listeners: Registration[]) => {
    if (listeners.length === 0) return
    queue.push({ event, listeners })
    // a macrotask, not a microtask: the caller's own continuation (sending the response) goes first
    pumping ??= new Promise<void>((resolve) => setTimeout(() => void pump().then(resolve), 0))
  }

  return {
    on(types, listener, listenOptions = {}) {
      const list: readonly string[] = typeof types === 'string' ? [types] : types
      if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string' || t === '')) {
        throw new ValidationError('on() needs an event type, a non-empty list of them, or "*"')
      }
      if (typeof listener !== 'function') throw new ValidationError('on() needs a listener function')
      const { priority = 0, mode = 'sync' } = listenOptions
      if (!Number.isFinite(priority)) throw new ValidationError('A listener priority is a finite number')
      if (mode !== 'sync' && mode !== 'async')
        throw new ValidationError('A listener mode is "sync" or "async"')
      const registration: Registration = {
        name: uniqueName(listenOptions.name || listener.name || `listener-${seq + 1}`),
        types: list.includes('*') ? '*' : new Set(list),
        listener,
        priority,
        mode,
        seq: seq++,
        handled: 0,
        failed: 0,
        lastError: undefined,
        active: true,
      }
      registrations.push(registration)
      registrations.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
      return () => {
        registration.active = false
        const at = registrations.indexOf(registration)
        if (at >= 0) registrations.splice(at, 1)
      }
    },
    async dispatch(events) {
      const list: readonly E[] = Array.isArray(events) ? events : [events as E]
      const later: { event: E; listeners: Registration[] }[] = []
      try {
        for (const event of list) {
          const listeners = listenersOf(event)
          for (const registration of listeners) {
            if (registration.mode !== 'sync' || !registration.active) continue
            const error = await run(registration, event)
            if (error !== undefined)
              throw error instanceof Error
                ? error
                : new Error('A listener threw a non-Error value', { cause: error })
          }
          later.push({ event, listeners: listeners.filter((r) => r.mode === 'async') })
        }
      } finally {
        // queued only now, so no async listener starts while this dispatch is still running
        for (const job of later) enqueue(job.event, job.listeners)
      }
    },
    async drain() {
      while (pumping) await pumping
    },
    stats() {
      return Object.fromEntries(
        registrations.map((r) => [r.name, { handled: r.handled, failed: r.failed, lastError: r.lastError }]),
      )
    },
  }

  function uniqueName(wanted: string): string {
    const taken = new Set(registrations.map((r) => r.name))
    let name = wanted
    for (let n = 2; taken.has(name); n++) name = `${wanted}#${n}`
    return name
  }
}
