import type { Database } from 'better-sqlite3'
import { migrate } from './schema.js'
import type { Migration, MigrationLedger } from './schema.js'

/**
 * The local transport's tables, as an append-only list recorded in `acta_transport_migrations`
 * (its own ledger, so the transport and the event store can share a file and evolve apart).
 *
 * - `acta_transport_messages`: every queued message, one row per queue. A row is ready when
 *   `available_at <= now`; claiming it pushes `available_at` to the end of its lease and stamps
 *   `claim`, so a consumer that dies simply lets the lease run out. Acknowledging deletes the row.
 *   `id` may be reused after the newest row is deleted, which is why settlements match `claim` too.
 * - `acta_transport_bindings`: topic pattern -> queue; triggers bump `acta_transport_routing.version`
 *   so publishers reload their routing table only when it changed.
 * - `acta_transport_instances` / `acta_transport_owned_queues`: transports that own queues which
 *   live only as long as they do (anonymous broadcast subscriptions, reply queues) or, from 2, have
 *   consumers, with a heartbeat.
 * - `acta_transport_dead_letters`: messages parked after their last attempt, oldest first by `seq`.
 * - `acta_transport_consumers` (2): one row per consumer attached now, under its transport's
 *   `acta_transport_instances` row, so that every process can count them and those of a transport
 *   that died go with its heartbeat.
 * - `acta_transport_queues` (2): the durable queues ever sent to, consumed or bound, so that a
 *   drained queue is still listed by `queues()`; rows are never deleted.
 */
export const transportMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'local transport',
    sql: `
      CREATE TABLE acta_transport_messages (
        id INTEGER PRIMARY KEY,
        queue TEXT NOT NULL,
        available_at INTEGER NOT NULL,
        deliveries INTEGER NOT NULL DEFAULT 0,
        claim TEXT,
        type TEXT NOT NULL,
        headers TEXT NOT NULL,
        data TEXT NOT NULL,
        source TEXT NOT NULL,
        reply_to TEXT,
        expires_at INTEGER,
        enqueued_at INTEGER NOT NULL,
        last_error TEXT
      ) STRICT;
      CREATE INDEX acta_transport_messages_ready ON acta_transport_messages (queue, available_at);
      CREATE INDEX acta_transport_messages_expiry ON acta_transport_messages (expires_at)
        WHERE expires_at IS NOT NULL;

      CREATE TABLE acta_transport_bindings (
        pattern TEXT NOT NULL,
        queue TEXT NOT NULL,
        PRIMARY KEY (pattern, queue)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX acta_transport_bindings_queue ON acta_transport_bindings (queue);

      CREATE TABLE acta_transport_routing (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      ) STRICT;
      INSERT INTO acta_transport_routing (id, version) VALUES (1, 0);
      CREATE TRIGGER acta_transport_bindings_added AFTER INSERT ON acta_transport_bindings
      BEGIN UPDATE acta_transport_routing SET version = version + 1; END;
      CREATE TRIGGER acta_transport_bindings_removed AFTER DELETE ON acta_transport_bindings
      BEGIN UPDATE acta_transport_routing SET version = version + 1; END;

      CREATE TABLE acta_transport_instances (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE acta_transport_owned_queues (
        queue TEXT PRIMARY KEY,
        owner TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX acta_transport_owned_queues_owner ON acta_transport_owned_queues (owner);

      CREATE TABLE acta_transport_dead_letters (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        queue TEXT NOT NULL,
        type TEXT NOT NULL,
        headers TEXT NOT NULL,
        data TEXT NOT NULL,
        source TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        error TEXT NOT NULL,
        failed_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX acta_transport_dead_letters_queue ON acta_transport_dead_letters (queue, seq);
    `,
  },
  {
    version: 2,
    name: 'queue listing: consumers and known queues',
    sql: `
      CREATE TABLE acta_transport_consumers (
        instance TEXT NOT NULL,
        id TEXT NOT NULL,
        queue TEXT NOT NULL,
        PRIMARY KEY (instance, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE acta_transport_queues (
        queue TEXT PRIMARY KEY
      ) STRICT, WITHOUT ROWID;
      INSERT OR IGNORE INTO acta_transport_queues (queue)
        SELECT queue FROM acta_transport_messages
        UNION SELECT queue FROM acta_transport_bindings
        UNION SELECT queue FROM acta_transport_dead_letters
        EXCEPT SELECT queue FROM acta_transport_owned_queues;
    `,
  },
]

export const transportSchemaVersion = transportMigrations[transportMigrations.length - 1]!.version

const ledger: MigrationLedger = {
  table: 'acta_transport_migrations',
  migrations: transportMigrations,
  what: 'transport schema',
}

/** Brings the file to {@link transportSchemaVersion}; safe when several processes open it at once. */
export function migrateTransport(db: Database): void {
  migrate(db, ledger)
}
