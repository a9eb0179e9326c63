import { Replica, type ReplicaOptions } from './replica.js'
import { createRouter, type Router } from './router.js'
import type { RouteTable } from './route-table.js'

/** A service's replicas with round-robin over the healthy ones. */
export class ServicePool {
  private next = 0

  constructor(
    readonly name: string,
    readonly replicas: readonly Replica[],
  ) {}

  /**
   * The next healthy replica not in `tried`. When none is healthy, the next one that was only
   * taken out passively (a refused or reset connection) rather than by a failing health check:
   * one transient error must not empty a service for `failTimeoutMs`. `undefined` when none is left.
   */
  pick(tried?: ReadonlySet<Replica>): Replica | undefined {
    return this.find(tried, (replica) => replica.healthy) ?? this.find(tried, (replica) => replica.fallback)
  }

  private find(tried: ReadonlySet<Replica> | undefined, eligible: (replica: Replica) => boolean) {
    const count = this.replicas.length
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count
      const replica = this.replicas[index]!
      if (eligible(replica) && (tried === undefined || !tried.has(replica))) {
        this.next = (index + 1) % count
        return replica
      }
    }
    return undefined
  }
}

/** One route table made live: requests hold on to the one they started with. */
export interface ActiveTable {
  readonly table: RouteTable
  readonly router: Router
  readonly services: ReadonlyMap<string, ServicePool>
}

/**
 * Every replica of every service, kept across reloads: a replica whose service and URL survive a
 * reload keeps its connections, health and counters; the others are handed back to be retired.
 */
export class ReplicaSet {
  private replicas = new Map<string, Replica>()

  constructor(private readonly options: ReplicaOptions) {}

  /** Builds the live form of `table`, reusing replicas, and returns those no longer listed. */
  apply(table: RouteTable): { active: ActiveTable; removed: Replica[] } {
    const next = new Map<string, Replica>()
    const services = new Map<string, ServicePool>()
    for (const [name, service] of Object.entries(table.services)) {
      const replicas = service.upstreams.map((url) => {
        const key = `${name}\n${new URL(url).origin}`
        const replica = next.get(key) ?? this.replicas.get(key) ?? new Replica(url, this.options)
        next.set(key, replica)
        replica.setHealth(service.health)
        return replica
      })
      services.set(name, new ServicePool(name, replicas))
    }
    const removed = [...this.replicas].filter(([key]) => !next.has(key)).map(([, replica]) => replica)
    this.replicas = next
    return { active: { table, router: createRouter(table.routes), services }, removed }
  }

  /** Every replica, as `[service, replica]`. */
  entries(): [string, Replica][] {
    return [...this.replicas].map(([key, replica]) => [key.slice(0, key.indexOf('\n')), replica])
  }
}
