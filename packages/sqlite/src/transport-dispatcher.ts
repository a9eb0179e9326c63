import { backoffMs } from '@acta/core'
import type { ConsumeOptions, IncomingMessage } from '@acta/core'
import type { CrossProcessSignal } from './subscribe.js'
import type { ClaimedRow, NewMessageRow, QueueTables } from './transport-queue.js'

/** A claimed message on its way to a handler. */
export interface Delivery {
  readonly id: number
  readonly token: string
  readonly message: IncomingMessage
  readonly replyTo: string | undefined
  readonly expiresAt: number | undefined
}

/** Resolves to acknowledge (optionally enqueuing a reply in the same transaction); throws to retry. */
export type Handle = (delivery: Delivery) => Promise<NewMessageRow | undefined> | NewMessageRow | undefined

export interface Worker {
  readonly queue: string
  readonly options: Required<ConsumeOptions>
}

interface WorkerState extends Worker {
  readonly handle: Handle
  inFlight: number
  closed: boolean
  /** When the queue may next have a ready row: 0 = look now, Infinity = wait for a signal. */
  dueAt: number
  readonly idle: Set<() => void>
}

type Settlement =
  | { readonly kind: 'ack'; readonly id: number; readonly token: string; readonly reply?: NewMessageRow }
  | {
      readonly kind: 'fail'
      readonly id: number
      readonly token: string
      readonly worker: WorkerState
      readonly attempt: number
      readonly error: string
    }

export interface DispatcherConfig {
  readonly tables: QueueTables
  readonly signal: CrossProcessSignal
  readonly write: <T>(work: () => T) => T
  readonly owner: string
  readonly visibilityTimeoutMs: number
  readonly onError: (error: unknown) => void
}

/** Longest wait without a look at the queues, as a safety net under the signal's hints. */
const maxIdleMs = 1000
/** Pause after a failed write (e.g. the file stayed locked past the busy timeout). */
const errorPauseMs = 250

/**
 * Runs a transport's consumers. One tick (after `setImmediate`, so completions and wake-ups of one
 * turn are batched) checks with cheap reads which queues have ready rows, then in one immediate
 * transaction applies the finished deliveries' acks, retries and dead letters and claims rows for
 * every consumer with free slots. Between ticks it waits on the cross-process signal, or until the
 * next row becomes ready (a retry's backoff, a lease running out).
 */
export class Dispatcher {
  readonly #config: DispatcherConfig
  readonly #workers = new Set<WorkerState>()
  readonly #inFlight = new Set<Delivery>()
  #settlements: Settlement[] = []
  #scheduled = false
  #waitAbort: AbortController | undefined
  #pausedUntil = 0
  #claims = 0
  #stopped = false

  constructor(config: DispatcherConfig) {
    this.#config = config
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  add(queue: string, handle: Handle, options: Required<ConsumeOptions>): Worker {
    const worker: WorkerState = {
      queue,
      options,
      handle,
      inFlight: 0,
      closed: false,
      dueAt: 0,
      idle: new Set(),
    }
    this.#workers.add(worker)
    this.schedule()
    return worker
  }

  /** Stops a worker taking messages, waits for its handlers and writes their outcomes. */
  async remove(worker: Worker): Promise<void> {
    const state = worker as WorkerState
    if (!this.#workers.has(state)) return
    state.closed = true
    if (state.inFlight > 0) await new Promise<void>((resolve) => state.idle.add(resolve))
    this.#workers.delete(state)
    this.flush()
  }

  /** Own writes made rows ready in these queues at `at`: wake the local consumers of those queues. */
  touch(queues: Iterable<string>, at = 0): void {
    const wanted = new Set(queues)
    let any = false
    for (const w of this.#workers) {
      if (!wanted.has(w.queue)) continue
      w.dueAt = Math.min(w.dueAt, at)
      any = true
    }
    if (any) this.schedule()
  }

  /** Extends the lease of every delivery in flight; runs inside the caller's transaction. */
  renewLeases(leaseUntil: number): void {
    for (const d of this.#inFlight) this.#config.tables.renew(d.id, d.token, leaseUntil)
  }

  /** Writes the outcomes of finished deliveries now. */
  flush(): void {
    if (this.#settlements.length > 0) this.#commit(Date.now(), [])
  }

  stop(): void {
    this.#stopped = true
    this.#waitAbort?.abort()
    this.#waitAbort = undefined
  }

  schedule(): void {
    if (this.#scheduled || this.#stopped) return
    this.#scheduled = true
    this.#waitAbort?.abort()
    this.#waitAbort = undefined
    setImmediate(() => this.#tick())
  }

  #tick(): void {
    this.#scheduled = false
    if (this.#stopped) return
    const seq = this.#config.signal.current
    const now = Date.now()
    if (now >= this.#pausedUntil) {
      try {
        this.#work(now)
      } catch (error) {
        this.#pausedUntil = now + errorPauseMs
        this.#config.onError(error)
      }
    }
    this.#arm(seq)
  }

  #work(now: number): void {
    const ready: [WorkerState, number][] = []
    for (const w of this.#workers) {
      const free = w.options.concurrency - w.inFlight
      if (w.closed || free <= 0 || w.dueAt > now) continue
      const next = this.#config.tables.nextAvailable(w.queue)
      if (next === undefined) w.dueAt = Infinity
      else if (next > now) w.dueAt = next
      else ready.push([w, free])
    }
    if (ready.length > 0 || this.#settlements.length > 0) this.#commit(now, ready)
  }

  /** One transaction: the pending settlements, then the claims; dispatches after the commit. */
  #commit(now: number, ready: readonly [WorkerState, number][]): void {
    const { tables, write, owner, visibilityTimeoutMs } = this.#config
    const settlements = this.#settlements
    this.#settlements = []
    const token = `${owner}:${++this.#claims}`
    let claimed: { rows: ClaimedRow[]; next: number | undefined }[]
    const retries: [string, number][] = []
    try {
      claimed = write(() => {
        retries.length = 0
        for (const s of settlements) this.#apply(s, now, retries)
        return ready.map(([w, free]) => {
          const rows = tables.claim(
            w.queue,
            free,
            now,
            now + visibilityTimeoutMs,
            token,
            w.options.maxAttempts,
          )
          return { rows, next: rows.length < free ? tables.nextAvailable(w.queue) : 0 }
        })
      })
    } catch (error) {
      this.#settlements = settlements.concat(this.#settlements)
      throw error
    }
    for (const [queue, at] of retries) this.#due(queue, at)
    for (const s of settlements) if (s.kind === 'ack' && s.reply) this.#due(s.reply.queue, 0)
    ready.forEach(([w], i) => {
      const { rows, next } = claimed[i]!
      w.dueAt = next ?? Infinity
      for (const row of rows) this.#dispatch(w, row, token)
    })
  }

  #apply(s: Settlement, now: number, retries: [string, number][]): void {
    const { tables } = this.#config
    if (s.kind === 'ack') {
      tables.ack(s.id, s.token)
      if (s.reply) tables.insert(s.reply, now)
    } else if (s.attempt >= s.worker.options.maxAttempts) {
      tables.deadLetter(s.id, s.token, s.attempt, s.error, now)
    } else {
      const at = now + backoffMs(s.worker.options.retryDelayMs, s.attempt)
      tables.retry(s.id, s.token, at, s.error)
      retries.push([s.worker.queue, at])
    }
  }

  #due(queue: string, at: number): void {
    for (const w of this.#workers) if (w.queue === queue) w.dueAt = Math.min(w.dueAt, at)
  }

  #dispatch(w: WorkerState, row: ClaimedRow, token: string): void {
    const delivery: Delivery = {
      id: row.id,
      token,
      message: {
        type: row.type,
        data: JSON.parse(row.data) as unknown,
        headers: JSON.parse(row.headers) as IncomingMessage['headers'],
        attempt: row.deliveries,
        source: row.source,
      },
      replyTo: row.reply_to ?? undefined,
      expiresAt: row.expires_at ?? undefined,
    }
    w.inFlight++
    this.#inFlight.add(delivery)
    void this.#run(w, delivery)
  }

  async #run(w: WorkerState, d: Delivery): Promise<void> {
    let settlement: Settlement
    try {
      const reply = await w.handle(d)
      settlement = { kind: 'ack', id: d.id, token: d.token, ...(reply && { reply }) }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error)
      settlement = {
        kind: 'fail',
        id: d.id,
        token: d.token,
        worker: w,
        attempt: d.message.attempt,
        error: text,
      }
    }
    this.#settlements.push(settlement)
    this.#inFlight.delete(d)
    if (--w.inFlight === 0) {
      for (const wake of w.idle) wake()
      w.idle.clear()
    }
    this.schedule()
  }

  #arm(seq: number): void {
    if (this.#scheduled || this.#stopped || this.#workers.size === 0) return
    const now = Date.now()
    let wakeAt = now + maxIdleMs
    for (const w of this.#workers) {
      if (!w.closed && w.inFlight < w.options.concurrency) wakeAt = Math.min(wakeAt, w.dueAt)
    }
    wakeAt = Math.max(wakeAt, this.#pausedUntil)
    if (wakeAt <= now) {
      this.schedule()
      return
    }
    const abort = new AbortController()
    this.#waitAbort = abort
    const { signal } = this.#config
    void signal.wait(seq, wakeAt - now, abort.signal).then(() => {
      if (abort.signal.aborted) return
      this.#waitAbort = undefined
      // another connection committed: any queue may have news
      if (signal.current !== seq) for (const w of this.#workers) w.dueAt = 0
      this.schedule()
    })
  }
}
