import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import type { Database, Statement } from 'better-sqlite3'
import { ChangeSignal } from '@acta/core'

/** Idle timer ticks with nobody waiting before the timer and the watch are stopped. */
const lingerTicks = 200

/**
 * A {@link ChangeSignal} that also hears commits made through other connections: other processes,
 * or other stores on the same file. Appends through this store call `notify()` themselves.
 *
 * `PRAGMA data_version` changes exactly when another connection has committed and costs about a
 * microsecond, so it is checked every `pollIntervalMs` while a subscriber is waiting (a subscriber
 * that is reading pages needs no wake-up). On a local file system a watch on the `-wal` file runs
 * the same check as soon as another process writes, which brings a wake-up well below the timer's
 * period. Both are hints: a subscriber re-reads the log either way, so a missed one costs latency.
 * The timer and the watch outlive the last waiter by a moment, so that a subscriber flipping
 * between reading and waiting does not set them up each time.
 */
export class CrossProcessSignal extends ChangeSignal {
  readonly #db: Database
  readonly #dataVersion: Statement<[], number>
  readonly #pollIntervalMs: number
  #seen: number
  #waiting = 0
  #idleTicks = 0
  #timer: NodeJS.Timeout | undefined
  #recheck: NodeJS.Timeout | undefined
  #watcher: FSWatcher | undefined
  #closed = false

  constructor(db: Database, pollIntervalMs: number) {
    super()
    this.#db = db
    this.#pollIntervalMs = pollIntervalMs
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck()
    this.#seen = this.#dataVersion.get()!
  }

  override wait(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return super.wait(since, timeoutMs, signal)
    this.#waiting++
    this.#idleTicks = 0
    // a commit may have landed between the waiter's last read and now
    if (this.#timer) this.#check()
    else this.#start()
    return super.wait(since, timeoutMs, signal).finally(() => this.#waiting--)
  }

  /** Stops the timer and the watch for good; waiters still wake on `notify()` and their timeouts. */
  close(): void {
    this.#closed = true
    this.#stop()
  }

  /** True when another connection has committed since the last check. */
  #check(): boolean {
    if (this.#closed || !this.#db.open) return false
    let current: number | undefined
    try {
      current = this.#dataVersion.get()
    } catch {
      return false // only a hint: the next tick looks again
    }
    if (current === this.#seen) return false
    this.#seen = current!
    this.notify()
    return true
  }

  #tick(): void {
    if (this.#waiting > 0) this.#check()
    else if (++this.#idleTicks > lingerTicks) this.#stop()
  }

  // The -wal write that fires the watch comes just before the writer publishes its commit in the
  // shared-memory index (and, at synchronous=FULL, before its fsync), so a look at once may be too
  // early: look once more a millisecond later, and leave slower commits to the timer.
  #onWalWrite(): void {
    if (this.#waiting === 0 || this.#check() || this.#recheck) return
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined
      this.#check()
    }, 1)
    this.#recheck.unref()
  }

  #start(): void {
    this.#check()
    this.#timer = setInterval(() => this.#tick(), this.#pollIntervalMs)
    this.#timer.unref()
    if (this.#db.memory) return
    try {
      this.#watcher = watch(`${this.#db.name}-wal`, { persistent: false }, () => this.#onWalWrite())
      this.#watcher.on('error', () => this.#unwatch())
    } catch {
      // no -wal file, or a file system without change notification: the timer still runs
    }
  }

  #unwatch(): void {
    this.#watcher?.close()
    this.#watcher = undefined
  }

  #stop(): void {
    clearInterval(this.#timer)
    clearTimeout(this.#recheck)
    this.#timer = undefined
    this.#recheck = undefined
    this.#unwatch()
  }
}
