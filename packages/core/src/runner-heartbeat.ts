import type { DocumentStore } from './document-store.js'
import type { FailureReport } from './projection-build.js'
import type { RebuildProgress, RunnerKind, RunnerState } from './read-side-types.js'

/** Registry collection of runner heartbeats: one record per projection, written by its lease holder. */
export const runnersCollection = 'acta_runners'

/**
 * What the instance running a projection last said about it, so another process (the CLI, a
 * dashboard) can show its state without running it. Written by the lease holder only.
 */
export interface RunnerRecord {
  [key: string]: unknown
  name: string
  kind: RunnerKind
  version: number
  state: RunnerState
  owner: string
  /** The writer's lease TTL: a record older than a few of them comes from an instance that is gone. */
  leaseTtlMs: number
  lastError?: {
    message: string
    /** ISO time. */
    at: string
    attempts: number
    event?: { eventId: string; type: string; streamId: string; globalPosition: number }
  }
  eventsPerSecond: number
  rebuild?: {
    build: number
    position: number
    headPosition: number
    fraction: number
    eventsPerSecond: number
    etaMs?: number
  }
  /** ISO time of the write. */
  heartbeatAt: string
}

/** What the runner is doing now, as the heartbeat writes it. */
export interface RunnerSnapshot {
  state: RunnerState
  lastError: FailureReport | undefined
  eventsPerSecond: number
  rebuild: RebuildProgress | undefined
}

export interface RunnerHeartbeat {
  /** Writes the snapshot when the state changed, or the error changed a second ago, or it is due. */
  beat(snapshot: RunnerSnapshot): void
  /** Writes now, whatever changed (the last word of a holder before it lets the lease go). */
  write(snapshot: RunnerSnapshot): Promise<void>
  /** Waits for the writes in flight. */
  settled(): Promise<void>
}

/** The heartbeat of one runner; writes are serialized, and a failing write only goes to `onError`. */
export function runnerHeartbeat(options: {
  documents: DocumentStore
  name: string
  kind: RunnerKind
  version: number
  owner: string
  leaseTtlMs: number
  onError: (failure: FailureReport) => void
}): RunnerHeartbeat {
  const { documents, name, version } = options
  const dueMs = Math.min(options.leaseTtlMs, 5000)
  let last: { state: RunnerState; error: FailureReport | undefined; at: number } | undefined
  let writing: Promise<void> = Promise.resolve()

  async function put(snapshot: RunnerSnapshot) {
    const runners = documents.collection<RunnerRecord>(runnersCollection)
    const current = await runners.get(name)
    // an instance of a newer version (building beside this one) speaks for the projection
    if (current && current.version > version && !stale(current, Date.now())) return
    await runners.put(name, record(snapshot))
  }

  function record(snapshot: RunnerSnapshot): RunnerRecord {
    const { lastError, rebuild } = snapshot
    return {
      name,
      kind: options.kind,
      version,
      state: snapshot.state,
      owner: options.owner,
      leaseTtlMs: options.leaseTtlMs,
      ...(lastError && {
        lastError: {
          message: lastError.message,
          at: lastError.at.toISOString(),
          attempts: lastError.attempts,
          ...(lastError.event && { event: lastError.event }),
        },
      }),
      eventsPerSecond: snapshot.eventsPerSecond,
      ...(rebuild && {
        rebuild: {
          build: rebuild.build,
          position: rebuild.position,
          headPosition: rebuild.headPosition,
          fraction: rebuild.fraction,
          eventsPerSecond: rebuild.eventsPerSecond,
          ...(rebuild.etaMs !== undefined && { etaMs: rebuild.etaMs }),
        },
      }),
      heartbeatAt: new Date().toISOString(),
    }
  }

  function enqueue(snapshot: RunnerSnapshot): Promise<void> {
    last = { state: snapshot.state, error: snapshot.lastError, at: Date.now() }
    writing = writing
      .then(() => put(snapshot))
      .catch((error: unknown) =>
        options.onError({
          message: `heartbeat: ${error instanceof Error ? error.message : String(error)}`,
          at: new Date(),
          attempts: 1,
        }),
      )
    return writing
  }

  return {
    beat(snapshot) {
      const now = Date.now()
      const due =
        !last ||
        last.state !== snapshot.state ||
        (last.error !== snapshot.lastError && now - last.at >= 1000) ||
        now - last.at >= dueMs
      if (due) void enqueue(snapshot)
    },
    write: enqueue,
    settled: () => writing,
  }
}

/**
 * True when a heartbeat is too old to come from a live instance: older than `staleAfterMs`
 * (default three of its writer's lease TTLs).
 */
export function stale(record: RunnerRecord, now: number, staleAfterMs?: number): boolean {
  const limit = staleAfterMs ?? 3 * (record.leaseTtlMs || 10_000)
  return now - Date.parse(record.heartbeatAt) > limit
}
