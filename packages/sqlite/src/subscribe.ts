import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { logSubscription } from '@acta/core'
import type { ChangeSignal, FetchAfter, StoredEvent, SubscribeOptions, Subscription } from '@acta/core'

/**
 * Wakes this process's subscribers when another connection (another process, or another store on
 * the same file) commits. Appends through this store notify the {@link ChangeSignal} themselves.
 *
 * `PRAGMA data_version` changes exactly when another connection has committed, and costs about a
 * microsecond, so it is checked on a short timer while anyone subscribes; on a local file system a
 * watch on the `-wal` file triggers the same check as soon as another process writes, which cuts
 * the delay below the timer's period. Both are hints: the subscription re-reads the log either way.
 */
export interface CrossProcessWaker {
  /** Counts a live subscription; the timer and watch run only while the count is positive. */
  retain(): void
  release(): void
  stop(): void
}

/** `pollIntervalMs` is the period of the `data_version` check while subscribers are live. */
export function crossProcessWaker(
  db: Database,
  changes: ChangeSignal,
  pollIntervalMs: number,
): CrossProcessWaker {
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck()
  let seen = dataVersion.get()
  let live = 0
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  let recheck: NodeJS.Timeout | undefined
  let stopped = false

  /** True when another connection has committed since the last check. */
  const check = (): boolean => {
    if (stopped || !db.open) return false
    let current: number | undefined
    try {
      current = dataVersion.get()
    } catch {
      return false // a hint only: the next tick looks again
    }
    if (current === seen) return false
    seen = current
    changes.notify()
    return true
  }

  // The -wal write that fires the watch comes just before the writer publishes its commit in the
  // shared-memory index (and, at synchronous=FULL, before its fsync), so one quick look may be
  // too early: look once more a millisecond later, and leave slower commits to the timer.
  const onWalWrite = (): void => {
    if (check() || recheck) return
    recheck = setTimeout(() => {
      recheck = undefined
      check()
    }, 1)
    recheck.unref()
  }

  const start = (): void => {
    timer = setInterval(check, pollIntervalMs)
    timer.unref()
    if (db.memory) return
    try {
      watcher = watch(`${db.name}-wal`, { persistent: false }, onWalWrite)
      watcher.on('error', () => stopWatching())
    } catch {
      // no -wal file yet, or a file system without change notification: the timer still runs
    }
  }

  const stopWatching = (): void => {
    watcher?.close()
    watcher = undefined
  }

  const stopAll = (): void => {
    clearInterval(timer)
    clearTimeout(recheck)
    timer = undefined
    recheck = undefined
    stopWatching()
  }

  return {
    retain() {
      if (stopped) return
      if (live++ === 0) start()
    },
    release() {
      if (live > 0 && --live === 0) stopAll()
    },
    stop() {
      stopped = true
      live = 0
      stopAll()
    },
  }
}

/** A {@link logSubscription} that keeps the waker running for as long as it is live. */
export function wakedSubscription(
  fetch: FetchAfter,
  changes: ChangeSignal,
  waker: CrossProcessWaker,
  options: SubscribeOptions & { pollIntervalMs?: number },
): Subscription {
  const inner = logSubscription(fetch, changes, options)
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    waker.release()
  }
  waker.retain()
  async function* run(): AsyncGenerator<StoredEvent> {
    try {
      yield* inner
    } finally {
      release()
    }
  }
  const iterator = run()
  return {
    get position() {
      return inner.position
    },
    async close() {
      release()
      await inner.close()
      await iterator.return(undefined)
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
}
