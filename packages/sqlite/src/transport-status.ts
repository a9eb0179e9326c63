import type { Database } from 'better-sqlite3'
import type { QueueStatus } from '@acta/core'

/** The durable queues of the file and what they hold, for `Transport.queues()`. */
export interface QueueStatusTable {
  /** Remembers a durable queue, so that it is listed once drained; runs inside the caller's transaction. */
  record(queue: string): void
  /** Every durable queue by name, read in one statement (one snapshot, no write lock). */
  list(now: number): QueueStatus[]
}

/**
 * A queue is listed when it was ever recorded, or holds messages, dead letters, bindings or
 * consumers now; the queues a transport owns (anonymous broadcast subscriptions, reply queues) are
 * not. `ready` counts the rows nobody holds a lease on — a retry waiting out its backoff included,
 * a request past its deadline not (no responder will take it). `consumers` counts only those of
 * transports still registered, so a reaped transport's consumers are gone even if a row was left.
 */
export function queueStatusTable(db: Database): QueueStatusTable {
  const record = db.prepare<[string]>('INSERT OR IGNORE INTO acta_transport_queues (queue) VALUES (?)')
  const list = db.prepare<{ now: number }, QueueStatus>(
    `WITH names (queue) AS (
       SELECT queue FROM acta_transport_queues
       UNION SELECT queue FROM acta_transport_messages
       UNION SELECT queue FROM acta_transport_bindings
       UNION SELECT queue FROM acta_transport_dead_letters
       UNION SELECT queue FROM acta_transport_consumers
       EXCEPT SELECT queue FROM acta_transport_owned_queues
     ),
     ready (queue, n) AS (
       SELECT queue, count(*) FROM acta_transport_messages
       WHERE (claim IS NULL OR available_at <= :now) AND (expires_at IS NULL OR expires_at > :now)
       GROUP BY queue
     ),
     attached (queue, n) AS (
       SELECT c.queue, count(*) FROM acta_transport_consumers c
       JOIN acta_transport_instances i ON i.id = c.instance
       GROUP BY c.queue
     ),
     parked (queue, n) AS (
       SELECT queue, count(*) FROM acta_transport_dead_letters GROUP BY queue
     )
     SELECT names.queue AS queue, coalesce(ready.n, 0) AS ready,
            coalesce(attached.n, 0) AS consumers, coalesce(parked.n, 0) AS parked
     FROM names
     LEFT JOIN ready USING (queue) LEFT JOIN attached USING (queue) LEFT JOIN parked USING (queue)
     WHERE names.queue NOT GLOB 'broadcast.*'
     ORDER BY names.queue`,
  )
  return {
    record: (queue) => void record.run(queue),
    list: (now) => list.all({ now }),
  }
}
