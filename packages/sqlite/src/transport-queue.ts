import type { Database } from 'better-sqlite3'
import { uuidv7 } from '@acta/core'
import { translateSqliteError } from './write-lock.js'

/** A message row about to be inserted; `headers` and `data` are JSON. */
export interface NewMessageRow {
  readonly queue: string
  readonly type: string
  readonly headers: string
  readonly data: string
  readonly source: string
  /** Defaults to the time of the insert. */
  readonly availableAt?: number
  readonly replyTo?: string | undefined
  readonly expiresAt?: number | undefined
}

/** A message row a consumer has just claimed. `deliveries` counts this delivery. */
export interface ClaimedRow {
  readonly id: number
  readonly deliveries: number
  readonly type: string
  readonly headers: string
  readonly data: string
  readonly source: string
  readonly reply_to: string | null
  readonly expires_at: number | null
  readonly last_error: string | null
}

export interface DeadLetterRow {
  readonly id: string
  readonly queue: string
  readonly type: string
  readonly headers: string
  readonly data: string
  readonly source: string
  readonly attempts: number
  readonly error: string
  readonly failed_at: number
}

/** The statements of the message and dead-letter tables. All but the reads run inside a transaction. */
export interface QueueTables {
  insert(row: NewMessageRow, now: number): void
  /** When the queue's next row is ready (a row in flight counts with its lease), or undefined when empty. */
  nextAvailable(queue: string): number | undefined
  /**
   * Claims up to `limit` ready rows, oldest first: each gets `token` and a lease until `leaseUntil`.
   * Expired requests are dropped, and rows already delivered `maxAttempts` times without an
   * acknowledgement (their consumer died or stalled past its lease) are parked as dead letters,
   * except requests: their expiry bounds them, and another responder may still answer in time.
   */
  claim(
    queue: string,
    limit: number,
    now: number,
    leaseUntil: number,
    token: string,
    maxAttempts: number,
  ): ClaimedRow[]
  /** Each of these matches `id` and `token`, so a consumer whose lease ran out changes nothing. */
  ack(id: number, token: string): void
  retry(id: number, token: string, availableAt: number, error: string): void
  deadLetter(id: number, token: string, attempts: number, error: string, now: number): void
  renew(id: number, token: string, leaseUntil: number): void
  anyExpired(now: number): boolean
  deleteExpired(now: number): void
  deleteQueue(queue: string): void
  listDeadLetters(queue?: string): DeadLetterRow[]
  /** Moves a dead letter back to its queue with a fresh attempt count; returns the queue, if it existed. */
  replay(letterId: string, now: number): string | undefined
}

export function queueTables(db: Database): QueueTables {
  const insert = db.prepare<
    [string, number, string, string, string, string, string | null, number | null, number]
  >(
    `INSERT INTO acta_transport_messages
       (queue, available_at, type, headers, data, source, reply_to, expires_at, enqueued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const next = db
    .prepare<[string], number>(
      `SELECT available_at FROM acta_transport_messages WHERE queue = ? ORDER BY available_at LIMIT 1`,
    )
    .pluck()
  const claim = db.prepare<[number, string, string, number, number], ClaimedRow>(
    `UPDATE acta_transport_messages SET deliveries = deliveries + 1, available_at = ?, claim = ?
     WHERE id IN (SELECT id FROM acta_transport_messages
                  WHERE queue = ? AND available_at <= ? ORDER BY available_at LIMIT ?)
     RETURNING id, deliveries, type, headers, data, source, reply_to, expires_at, last_error`,
  )
  const ack = db.prepare<[number, string]>('DELETE FROM acta_transport_messages WHERE id = ? AND claim = ?')
  const retry = db.prepare<[number, string, number, string]>(
    `UPDATE acta_transport_messages SET available_at = ?, claim = NULL, last_error = ? WHERE id = ? AND claim = ?`,
  )
  const park = db.prepare<[string, number, string, number, number, string]>(
    `INSERT INTO acta_transport_dead_letters
       (id, queue, type, headers, data, source, attempts, error, failed_at)
     SELECT ?, queue, type, headers, data, source, ?, ?, ? FROM acta_transport_messages
     WHERE id = ? AND claim = ?`,
  )
  const renew = db.prepare<[number, number, string]>(
    'UPDATE acta_transport_messages SET available_at = ? WHERE id = ? AND claim = ?',
  )
  const anyExpired = db
    .prepare<[number], number>(
      `SELECT 1 FROM acta_transport_messages WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT 1`,
    )
    .pluck()
  const deleteExpired = db.prepare<[number]>(
    'DELETE FROM acta_transport_messages WHERE expires_at IS NOT NULL AND expires_at <= ?',
  )
  const deleteQueue = db.prepare<[string]>('DELETE FROM acta_transport_messages WHERE queue = ?')
  const letterColumns = 'id, queue, type, headers, data, source, attempts, error, failed_at'
  const listAll = db.prepare<[], DeadLetterRow>(
    `SELECT ${letterColumns} FROM acta_transport_dead_letters ORDER BY seq`,
  )
  const listQueue = db.prepare<[string], DeadLetterRow>(
    `SELECT ${letterColumns} FROM acta_transport_dead_letters WHERE queue = ? ORDER BY seq`,
  )
  const takeLetter = db.prepare<[string], DeadLetterRow>(
    `DELETE FROM acta_transport_dead_letters WHERE id = ? RETURNING ${letterColumns}`,
  )

  const tables: QueueTables = {
    insert(row, now) {
      insert.run(
        row.queue,
        row.availableAt ?? now,
        row.type,
        row.headers,
        row.data,
        row.source,
        row.replyTo ?? null,
        row.expiresAt ?? null,
        now,
      )
    },
    nextAvailable: (queue) => next.get(queue),
    claim(queue, limit, now, leaseUntil, token, maxAttempts) {
      const rows = claim.all(leaseUntil, token, queue, now, limit)
      const deliverable: ClaimedRow[] = []
      for (const row of rows) {
        if (row.expires_at !== null && row.expires_at <= now) {
          ack.run(row.id, token)
        } else if (row.deliveries > maxAttempts && row.expires_at === null) {
          const attempts = row.deliveries - 1
          const last = row.last_error === null ? '' : ` (last failure: ${row.last_error})`
          const error = `Delivered ${attempts} times without an acknowledgement: the consumer stopped or stalled past its lease${last}`
          tables.deadLetter(row.id, token, attempts, error, now)
        } else {
          deliverable.push(row)
        }
      }
      // RETURNING gives no order; oldest first keeps a queue FIFO for a single consumer
      return deliverable.sort((a, b) => a.id - b.id)
    },
    ack: (id, token) => void ack.run(id, token),
    retry: (id, token, availableAt, error) => void retry.run(availableAt, error, id, token),
    deadLetter(id, token, attempts, error, now) {
      if (park.run(uuidv7(now), attempts, error, now, id, token).changes > 0) ack.run(id, token)
    },
    renew: (id, token, leaseUntil) => void renew.run(leaseUntil, id, token),
    anyExpired: (now) => anyExpired.get(now) !== undefined,
    deleteExpired: (now) => void deleteExpired.run(now),
    deleteQueue: (queue) => void deleteQueue.run(queue),
    listDeadLetters: (queue) => (queue === undefined ? listAll.all() : listQueue.all(queue)),
    replay(letterId, now) {
      const letter = takeLetter.get(letterId)
      if (!letter) return undefined
      tables.insert(letter, now)
      return letter.queue
    },
  }
  return tables
}

/**
 * Runs `work` inside BEGIN IMMEDIATE ... COMMIT, synchronously: the write lock is taken up front, so
 * the transaction never has to upgrade a read snapshot that another process has since outdated.
 */
export function immediateTransactions(db: Database): <T>(work: () => T) => T {
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  return (work) => {
    try {
      begin.run()
      const result = work()
      commit.run()
      return result
    } catch (error) {
      try {
        if (db.open && db.inTransaction) rollback.run()
      } catch {
        // the error that made us roll back is the one to report
      }
      throw translateSqliteError(error)
    }
  }
}
