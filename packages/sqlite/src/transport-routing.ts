import type { Database } from 'better-sqlite3'
import { topicMatcher } from '@acta/core'

/**
 * Topic bindings, and what lives only as long as the transport it belongs to: the queues it owns
 * and the rows of its consumers. Everything but `route`'s cache runs inside the caller's transaction.
 */
export interface Routing {
  bind(pattern: string, queue: string): void
  /** The queues a message published to `topic` goes to; reloads the bindings only when they changed. */
  route(topic: string): readonly string[]
  /** Records a transport as alive now (its heartbeat). */
  register(owner: string, now: number): void
  /** Records an owned queue (and its owner's heartbeat). */
  own(queue: string, owner: string, now: number): void
  /** Records one consumer of `queue`, under its transport's heartbeat (see {@link register}). */
  attach(owner: string, consumer: string, queue: string): void
  detach(owner: string, consumer: string): void
  /** Removes a queue with its bindings, messages and dead letters. */
  drop(queue: string): void
  /** Refreshes the owner's heartbeat; false when another process has reaped it meanwhile. */
  heartbeat(owner: string, now: number): boolean
  /** True when some owner's heartbeat is older than `staleBefore`. */
  anyStale(staleBefore: number): boolean
  /** Drops the owners whose heartbeat is older than `staleBefore`, with everything they owned and their consumers. */
  reap(staleBefore: number): number
  /** Forgets an owner, everything it owned and its consumers (a transport closing). */
  release(owner: string): void
}

interface Binding {
  readonly matches: (topic: string) => boolean
  readonly queue: string
}

export function routing(db: Database): Routing {
  const bind = db.prepare<[string, string]>(
    'INSERT OR IGNORE INTO acta_transport_bindings (pattern, queue) VALUES (?, ?)',
  )
  const version = db.prepare<[], number>('SELECT version FROM acta_transport_routing').pluck()
  const allBindings = db.prepare<[], { pattern: string; queue: string }>(
    'SELECT pattern, queue FROM acta_transport_bindings',
  )
  const unbind = db.prepare<[string]>('DELETE FROM acta_transport_bindings WHERE queue = ?')
  const deleteMessages = db.prepare<[string]>('DELETE FROM acta_transport_messages WHERE queue = ?')
  const deleteLetters = db.prepare<[string]>('DELETE FROM acta_transport_dead_letters WHERE queue = ?')
  const register = db.prepare<[string, number, number, number]>(
    `INSERT INTO acta_transport_instances (id, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
  )
  const own = db.prepare<[string, string]>(
    'INSERT OR REPLACE INTO acta_transport_owned_queues (queue, owner) VALUES (?, ?)',
  )
  const disown = db.prepare<[string]>('DELETE FROM acta_transport_owned_queues WHERE queue = ?')
  const beat = db.prepare<[number, string]>(
    'UPDATE acta_transport_instances SET heartbeat_at = ? WHERE id = ?',
  )
  const anyStale = db
    .prepare<[number], number>('SELECT 1 FROM acta_transport_instances WHERE heartbeat_at < ? LIMIT 1')
    .pluck()
  const stale = db
    .prepare<[number], string>('SELECT id FROM acta_transport_instances WHERE heartbeat_at < ?')
    .pluck()
  const ownedBy = db
    .prepare<[string], string>('SELECT queue FROM acta_transport_owned_queues WHERE owner = ?')
    .pluck()
  const forget = db.prepare<[string]>('DELETE FROM acta_transport_instances WHERE id = ?')
  const attach = db.prepare<[string, string, string]>(
    'INSERT OR REPLACE INTO acta_transport_consumers (instance, id, queue) VALUES (?, ?, ?)',
  )
  const detach = db.prepare<[string, string]>(
    'DELETE FROM acta_transport_consumers WHERE instance = ? AND id = ?',
  )
  const detachAll = db.prepare<[string]>('DELETE FROM acta_transport_consumers WHERE instance = ?')

  let cachedVersion = -1
  let bindings: Binding[] = []
  const routes = new Map<string, readonly string[]>()
  const matchers = new Map<string, (topic: string) => boolean>()

  const drop = (queue: string): void => {
    unbind.run(queue)
    deleteMessages.run(queue)
    // as with the memory transport: a replay would only refill a queue nobody consumes any more
    deleteLetters.run(queue)
    disown.run(queue)
  }
  const release = (owner: string): void => {
    for (const queue of ownedBy.all(owner)) drop(queue)
    detachAll.run(owner)
    forget.run(owner)
  }

  return {
    bind: (pattern, queue) => void bind.run(pattern, queue),
    route(topic) {
      const current = version.get()!
      if (current !== cachedVersion) {
        bindings = allBindings.all().map(({ pattern, queue }) => {
          let matches = matchers.get(pattern)
          if (!matches) matchers.set(pattern, (matches = topicMatcher(pattern)))
          return { matches, queue }
        })
        routes.clear()
        cachedVersion = current
      }
      let queues = routes.get(topic)
      if (!queues) {
        queues = [...new Set(bindings.filter((b) => b.matches(topic)).map((b) => b.queue))]
        if (routes.size >= 10_000) routes.clear()
        routes.set(topic, queues)
      }
      return queues
    },
    register: (owner, now) => void register.run(owner, process.pid, now, now),
    own(queue, owner, now) {
      register.run(owner, process.pid, now, now)
      own.run(queue, owner)
    },
    attach: (owner, consumer, queue) => void attach.run(owner, consumer, queue),
    detach: (owner, consumer) => void detach.run(owner, consumer),
    drop,
    heartbeat: (owner, now) => beat.run(now, owner).changes > 0,
    anyStale: (staleBefore) => anyStale.get(staleBefore) !== undefined,
    reap(staleBefore) {
      const dead = stale.all(staleBefore)
      for (const owner of dead) release(owner)
      return dead.length
    },
    release,
  }
}
