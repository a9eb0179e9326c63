import { ConcurrencyError, ValidationError } from './errors.js'
import type { AppendOptions, ExpectedVersion } from './event-store.js'
import { isUuid, uuidv7 } from './ids.js'
import type { NewEvent, StoredMetadata } from './messages.js'

/** Longest stream id accepted: 512 characters keeps every adapter's unique index within its key size. */
export const maxStreamIdLength = 512
export const maxEventTypeLength = 256

/** An event validated and serialized once, ready for any adapter to write. */
export interface PreparedEvent {
  readonly eventId: string
  readonly type: string
  readonly data: unknown
  readonly metadata: StoredMetadata
  readonly dataJson: string
  readonly metadataJson: string
}

export interface PreparedAppend {
  readonly streamId: string
  readonly expectedVersion: ExpectedVersion
  readonly events: readonly PreparedEvent[]
}

/**
 * Validates an append and serializes its events, so that every adapter rejects the same input
 * with the same {@link ValidationError} before touching storage.
 */
export function prepareAppend(
  streamId: unknown,
  events: readonly NewEvent[],
  options: AppendOptions | undefined,
): PreparedAppend {
  assertStreamId(streamId)
  const expectedVersion = normalizeExpectedVersion(options?.expectedVersion)
  if (!Array.isArray(events) || events.length === 0) {
    throw new ValidationError('An append needs at least one event', { streamId })
  }
  const seen = new Set<string>()
  const prepared = events.map((event: NewEvent, index): PreparedEvent => {
    if (typeof event !== 'object' || event === null) {
      throw new ValidationError(`Event ${index} is not an object`, { streamId, index })
    }
    const { type, eventId } = event
    if (
      typeof type !== 'string' ||
      type.length === 0 ||
      type.length > maxEventTypeLength ||
      type.includes('\0')
    ) {
      throw new ValidationError(
        `Event ${index} needs a type: a non-empty string of at most ${maxEventTypeLength} characters without NUL`,
        { streamId, index },
      )
    }
    let id: string
    if (eventId === undefined) id = uuidv7()
    else if (isUuid(eventId)) id = eventId.toLowerCase()
    else
      throw new ValidationError(`Event ${index} has an eventId that is not a UUID`, {
        streamId,
        index,
        eventId,
      })
    if (seen.has(id))
      throw new ValidationError(`Event id ${id} appears twice in one append`, { streamId, eventId: id })
    seen.add(id)
    const rawMetadata: unknown = event.metadata ?? {}
    if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) {
      throw new ValidationError(`Event ${index} metadata must be an object`, { streamId, index })
    }
    const schemaVersion = (rawMetadata as { schemaVersion?: unknown }).schemaVersion ?? 1
    if (!Number.isSafeInteger(schemaVersion) || (schemaVersion as number) < 1) {
      throw new ValidationError(`Event ${index} metadata.schemaVersion must be a positive integer`, {
        streamId,
        index,
      })
    }
    const metadata = { ...rawMetadata, schemaVersion } as StoredMetadata
    const data: unknown = event.data
    return {
      eventId: id,
      type,
      data,
      metadata,
      dataJson: toJson(data, `event ${index} data`, streamId),
      metadataJson: toJson(metadata, `event ${index} metadata`, streamId),
    }
  })
  return { streamId, expectedVersion, events: prepared }
}

export function assertStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new ValidationError('A stream id must be a non-empty string', { streamId: String(streamId) })
  }
  if (streamId.length > maxStreamIdLength) {
    throw new ValidationError(`A stream id must be at most ${maxStreamIdLength} characters`, {
      length: streamId.length,
    })
  }
  if (streamId.includes('\0')) throw new ValidationError('A stream id must not contain NUL characters')
}

export function normalizeExpectedVersion(value: unknown): ExpectedVersion {
  if (value === undefined || value === 'any') return 'any'
  if (value === 'no-stream' || value === 0) return 'no-stream'
  if (value === 'stream-exists') return value
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  throw new ValidationError(
    `Invalid expected version ${describe(value)}: use 'any', 'no-stream', 'stream-exists' or a non-negative integer`,
  )
}

/**
 * Enforces an expected version against a stream's state. Adapters that check in application
 * code call it while holding the stream's write lock.
 */
export function checkExpectedVersion(
  streamId: string,
  expected: ExpectedVersion,
  stream: { version: number; deleted: boolean },
): void {
  const exists = stream.version > 0 && !stream.deleted
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && !exists) ||
    (expected === 'stream-exists' && exists) ||
    expected === stream.version
  if (!ok) throw new ConcurrencyError(streamId, expected, stream.version)
}

/**
 * JSON text for a value, refusing what JSON would silently change: functions, symbols, bigints,
 * non-finite numbers, and NUL characters (which PostgreSQL cannot store in JSON).
 */
export function toJson(value: unknown, what: string, streamId?: string): string {
  let text: string | undefined
  try {
    // validate in one walk, then stringify without a replacer: a replacer turns off V8's fast path
    assertJsonSafe(value, '', 0)
    text = JSON.stringify(value)
  } catch (error) {
    throw new ValidationError(
      `The ${what} is not JSON-serializable: ${(error as Error).message}`,
      { streamId },
      error,
    )
  }
  if (text === undefined) throw new ValidationError(`The ${what} is not JSON-serializable`, { streamId })
  return text
}

const maxDepth = 256

function assertJsonSafe(value: unknown, key: string, depth: number): void {
  switch (typeof value) {
    case 'string':
      if (value.includes('\0')) throw new TypeError(`value at "${key}" contains a NUL character`)
      return
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`value at "${key}" is ${value}`)
      return
    case 'boolean':
    case 'undefined':
      return
    case 'object': {
      if (value === null) return
      if (depth >= maxDepth)
        throw new TypeError(`nested deeper than ${maxDepth} levels (or cyclic) at "${key}"`)
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i]
          if (item === undefined) throw new TypeError(`array item ${i} at "${key}" is undefined`)
          assertJsonSafe(item, String(i), depth + 1)
        }
        return
      }
      for (const name of Object.keys(value)) {
        if (name.includes('\0')) throw new TypeError('an object key contains a NUL character')
        assertJsonSafe((value as Record<string, unknown>)[name], name, depth + 1)
      }
      return
    }
    default:
      throw new TypeError(`value at "${key}" is a ${typeof value}`)
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? typeof value
  } catch {
    return typeof value
  }
}
