import { toJson } from './append-validation.js'
import { ValidationError } from './errors.js'
import type { AppendResult, ReadCorrelationOptions, ReadStreamOptions, SaveSnapshot } from './event-store.js'
import type { StoredEvent } from './messages.js'

/** Rejects malformed `readStream` options with a {@link ValidationError}. */
export function validateReadStreamOptions(options: ReadStreamOptions): void {
  const { direction, from, limit } = options
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw new ValidationError(`direction must be 'forwards' or 'backwards'`, { direction })
  }
  if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) {
    throw new ValidationError('from must be a non-negative integer stream version', { from })
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new ValidationError('limit must be a non-negative integer', { limit })
  }
}

export const defaultCorrelationLimit = 1000
export const maxCorrelationLimit = 10_000

/** Checks a `readByCorrelation` request; returns its limit. */
export function validateCorrelationRead(
  correlationId: unknown,
  options: ReadCorrelationOptions = {},
): number {
  if (typeof correlationId !== 'string' || correlationId.length === 0 || correlationId.length > 1000)
    throw new ValidationError('correlationId must be a string of 1 to 1000 characters', { correlationId })
  const { limit = defaultCorrelationLimit } = options
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxCorrelationLimit)
    throw new ValidationError(`limit must be an integer from 1 to ${maxCorrelationLimit}`, { limit })
  return limit
}

/** Applies direction, from and limit to a stream's visible events (ascending by version). */
export function sliceStream(events: readonly StoredEvent[], options: ReadStreamOptions): StoredEvent[] {
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  if (options.direction === 'backwards') {
    const from = options.from ?? Number.POSITIVE_INFINITY
    const out: StoredEvent[] = []
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
      if (events[i]!.streamVersion <= from) out.push(events[i]!)
    }
    return out
  }
  const from = options.from ?? 1
  const out: StoredEvent[] = []
  for (const event of events) {
    if (out.length >= limit) break
    if (event.streamVersion >= from) out.push(event)
  }
  return out
}

export function validateSnapshot(
  streamId: string,
  snapshot: SaveSnapshot,
): { version: number; schemaVersion: number; stateJson: string } {
  const { version, schemaVersion = 1 } = snapshot
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ValidationError('A snapshot needs a positive integer version', { streamId, version })
  }
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new ValidationError('A snapshot schemaVersion must be a positive integer', {
      streamId,
      schemaVersion,
    })
  }
  return { version, schemaVersion, stateJson: toJson(snapshot.state, 'snapshot state', streamId) }
}

/** The result of an append whose events (at least one, in order) are stored. */
export function appendResult(
  streamId: string,
  events: readonly StoredEvent[],
  duplicate: boolean,
): AppendResult {
  const last = events[events.length - 1]!
  return { streamId, version: last.streamVersion, position: last.globalPosition, events, duplicate }
}
