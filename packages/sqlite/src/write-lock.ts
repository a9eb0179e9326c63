import type { Database } from 'better-sqlite3'
import { ActaError } from '@acta/core'

/**
 * Runs write transactions on one connection, one at a time.
 *
 * better-sqlite3 is synchronous, so a transaction without an `await` inside runs start to finish
 * in one turn of the event loop and nothing can interleave. Only an async `beforeCommit` hook keeps
 * a transaction open across turns; while it does, other writes queue here, and reads wait too,
 * because on this connection they would see the uncommitted rows.
 */
export interface WriteLock {
  /** Runs `work` between BEGIN IMMEDIATE and COMMIT, awaiting `beforeCommit` (if any) just before COMMIT. */
  write<T>(work: () => T, beforeCommit?: () => Promise<void>): Promise<T>
  /** Resolves once no transaction is held open across an await. */
  idle(): Promise<void>
  /** True while a transaction is held open across an await. */
  readonly held: boolean
}

/** `assertOpen` runs once a writer has its turn, so writes queued behind `close()` fail cleanly. */
export function writeLock(db: Database, assertOpen: () => void): WriteLock {
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  let held: Promise<void> | undefined

  const abort = (error: unknown): never => {
    try {
      if (db.open && db.inTransaction) rollback.run()
    } catch {
      // the error that made us roll back is the one to report
    }
    throw translateSqliteError(error)
  }

  const idle = async (): Promise<void> => {
    while (held) await held
  }

  return {
    get held() {
      return held !== undefined
    },
    idle,
    async write<T>(work: () => T, beforeCommit?: () => Promise<void>): Promise<T> {
      // checked and taken in the same turn, so two woken writers cannot both take it
      while (held) await held
      assertOpen()
      if (!beforeCommit) {
        try {
          begin.run()
          const result = work()
          commit.run()
          return result
        } catch (error) {
          return abort(error)
        }
      }
      let release!: () => void
      held = new Promise((resolve) => (release = resolve))
      try {
        begin.run()
        const result = work()
        await beforeCommit()
        commit.run()
        return result
      } catch (error) {
        return abort(error)
      } finally {
        held = undefined
        release()
      }
    },
  }
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

/** SQLITE_BUSY after the busy timeout becomes ActaError 'UNAVAILABLE' (the driver error kept as cause). */
export function translateSqliteError(error: unknown): unknown {
  if (!isBusy(error)) return error
  return new ActaError(
    'UNAVAILABLE',
    'The SQLite database stayed locked by another writer past the busy timeout',
    {
      cause: error,
      details: { code: (error as { code: string }).code },
    },
  )
}
