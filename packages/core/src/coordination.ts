/**
 * Where a named reader of the log (relay, projection, consumer) has got to.
 *
 * @example
 * const position = (await checkpoints.load('relay')) ?? 0
 * await checkpoints.save('relay', event.globalPosition)
 */
export interface CheckpointStore {
  /** The saved position, or undefined when the reader never saved one. */
  load(name: string): Promise<number | undefined>
  /**
   * Saves a position. With `lease`, the save only happens while that lease is still held by
   * `owner` (fencing: a paused former leader cannot move the checkpoint); returns false when refused.
   */
  save(
    name: string,
    position: number,
    options?: { lease?: { name: string; owner: string } },
  ): Promise<boolean>
  /**
   * Every saved checkpoint, sorted by name: what the management API shows as consumers.
   *
   * @example
   * for (const { name, position, updatedAt } of await checkpoints.list()) console.log(name, position, updatedAt)
   */
  list(): Promise<CheckpointInfo[]>
  close(): Promise<void>
}

/** A saved checkpoint: a reader's name, its position in the global log and when it last saved it. */
export interface CheckpointInfo {
  readonly name: string
  readonly position: number
  readonly updatedAt: Date
}

/** The current holder of a lease that has not expired. */
export interface LeaseInfo {
  readonly name: string
  readonly owner: string
  readonly expiresAt: Date
}

/**
 * Time-limited leadership without session-level locks (works behind a connection pooler):
 * a holder renews before `ttlMs` runs out; anyone may take an expired lease.
 */
export interface LeaseStore {
  /** Takes or renews the lease for `owner`; false while another owner holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>
  /** Gives the lease up if `owner` holds it. */
  release(name: string, owner: string): Promise<void>
  /** The current holder, if the lease is held and not expired. */
  holder(name: string): Promise<{ owner: string; expiresAt: Date } | undefined>
  /**
   * Every lease held and not expired, sorted by name: which instance runs each leased reader.
   *
   * @example
   * const owners = new Map((await leases.list()).map((lease) => [lease.name, lease.owner]))
   */
  list(): Promise<LeaseInfo[]>
  close(): Promise<void>
}

/** Message ids a consumer has already handled (the inbox), so redeliveries are skipped. */
export interface InboxStore {
  /** True when `messageId` was already recorded for `consumer`. */
  has(consumer: string, messageId: string): Promise<boolean>
  /** Records a handled message; false when it was already recorded. */
  record(consumer: string, messageId: string): Promise<boolean>
  /** Forgets entries older than `olderThan`; returns how many. */
  prune(olderThan: Date): Promise<number>
  close(): Promise<void>
}

/** In-memory checkpoints, leases and inbox, for tests and single-process prototypes. */
export function memoryCoordination(): {
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
} {
  const positions = new Map<string, { position: number; updatedAt: number }>()
  const leases = new Map<string, { owner: string; expiresAt: number }>()
  const inbox = new Map<string, number>()
  const held = (name: string, owner: string) => {
    const lease = leases.get(name)
    return lease !== undefined && lease.owner === owner && lease.expiresAt > Date.now()
  }
  return {
    checkpoints: {
      async load(name) {
        return positions.get(name)?.position
      },
      async save(name, position, options) {
        if (options?.lease && !held(options.lease.name, options.lease.owner)) return false
        positions.set(name, { position, updatedAt: Date.now() })
        return true
      },
      async list() {
        return [...positions]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, saved]) => ({ name, position: saved.position, updatedAt: new Date(saved.updatedAt) }))
      },
      async close() {},
    },
    leases: {
      async acquire(name, owner, ttlMs) {
        const lease = leases.get(name)
        if (lease && lease.owner !== owner && lease.expiresAt > Date.now()) return false
        leases.set(name, { owner, expiresAt: Date.now() + ttlMs })
        return true
      },
      async release(name, owner) {
        if (leases.get(name)?.owner === owner) leases.delete(name)
      },
      async holder(name) {
        const lease = leases.get(name)
        return lease && lease.expiresAt > Date.now()
          ? { owner: lease.owner, expiresAt: new Date(lease.expiresAt) }
          : undefined
      },
      async list() {
        const now = Date.now()
        return [...leases]
          .filter(([, lease]) => lease.expiresAt > now)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, lease]) => ({ name, owner: lease.owner, expiresAt: new Date(lease.expiresAt) }))
      },
      async close() {},
    },
    inbox: {
      async has(consumer, messageId) {
        return inbox.has(`${consumer}\u0000${messageId}`)
      },
      async record(consumer, messageId) {
        const key = `${consumer}\u0000${messageId}`
        if (inbox.has(key)) return false
        inbox.set(key, Date.now())
        return true
      },
      async prune(olderThan) {
        let removed = 0
        for (const [key, at] of inbox) {
          if (at < olderThan.getTime()) {
            inbox.delete(key)
            removed++
          }
        }
        return removed
      },
      async close() {},
    },
  }
}
