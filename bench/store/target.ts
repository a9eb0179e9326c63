/**
 * What every contender (an Acta adapter, a raw driver, Emmett) offers the scenarios. Each one owns
 * its storage, so the same stream ids are reused across contenders.
 */
export interface StoreTarget {
  readonly name: string
  /**
   * Appends `count` events to `streamId` in one atomic call, checking that the stream's version is
   * exactly `expectedVersion` (0: the stream is new).
   */
  append(streamId: string, expectedVersion: number, count: number): Promise<void>
  /** Reads a whole stream in version order and folds it; the fold is returned so it cannot be skipped. */
  readAndFold?: (streamId: string) => Promise<number>
  /**
   * Reads the global log from the start until caught up, `pageSize` events per round trip, calling
   * `onPage` after each full page is delivered. Returns the number of events read.
   */
  catchUp?: (pageSize: number, onPage: () => void) => Promise<number>
  close(): Promise<void>
}

/** The payload every contender writes: same type, data and metadata, serialized the same way. */
export interface BenchEvent {
  readonly type: 'AmountAdded'
  readonly data: { readonly account: string; readonly amount: number; readonly note: string }
  readonly metadata: { readonly correlationId: string }
}

const note = 'benchmark event with a short free-text note'

export function benchEvents(streamId: string, fromVersion: number, count: number): BenchEvent[] {
  const events: BenchEvent[] = new Array<BenchEvent>(count)
  for (let i = 0; i < count; i++) {
    events[i] = {
      type: 'AmountAdded',
      data: { account: streamId, amount: ((fromVersion + i) % 7) + 1, note },
      metadata: { correlationId: streamId },
    }
  }
  return events
}

/** Metadata as every store keeps it: what the caller gave plus the schema version Acta records. */
export function storedMetadataJson(event: BenchEvent): string {
  return JSON.stringify({ ...event.metadata, schemaVersion: 1 })
}

/** The fold of scenario (d): the running balance of an account. */
export function foldAmount(total: number, data: unknown): number {
  return total + (data as BenchEvent['data']).amount
}
