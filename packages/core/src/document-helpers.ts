import type { CollectionOptions, Document, FindOptions, Where } from './document-store.js'
import { collectionNamePattern, fieldPathPattern } from './document-store.js'
import { toJson } from './append-validation.js'
import { ActaError, ValidationError } from './errors.js'

/** Refuses a collection name adapters cannot turn into a table name. */
export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !collectionNamePattern.test(name)) {
    throw new ValidationError(
      `Collection name ${JSON.stringify(name)} must match ${String(collectionNamePattern)}`,
      { collection: name },
    )
  }
}

/** Refuses a field path adapters cannot turn into a JSON path (dotted identifiers, at most 8 levels). */
export function assertFieldPath(path: string): void {
  if (typeof path !== 'string' || !fieldPathPattern.test(path)) {
    throw new ValidationError(`Field path ${JSON.stringify(path)} must match ${String(fieldPathPattern)}`, {
      field: path,
    })
  }
}

/** A UTF-16 surrogate without its other half: not Unicode text, so no SQL adapter can store it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** A key every adapter stores as is: 1 to 512 characters of valid Unicode without NUL (no SQL text holds NUL). */
const isKey = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length > 0 &&
  value.length <= 512 &&
  !value.includes('\0') &&
  !loneSurrogate.test(value)

/** Refuses an id that is not 1 to 512 characters of valid Unicode without NUL. */
export function assertDocumentId(id: string): void {
  if (!isKey(id)) {
    throw new ValidationError('A document id is 1 to 512 characters of valid Unicode without NUL', { id })
  }
}

/** Refuses a checkpoint or projection name that is not 1 to 512 characters of valid Unicode without NUL. */
export function assertCheckpointName(name: string, what = 'checkpoint name'): void {
  if (!isKey(name)) {
    throw new ValidationError(`A ${what} is 1 to 512 characters of valid Unicode without NUL`, { name })
  }
}

/** Refuses a checkpoint position, epoch or build number that is not a non-negative safe integer. */
export function assertPosition(value: number, what = 'checkpoint position'): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`A ${what} is a non-negative integer`, { [what]: value })
  }
}

/** Refuses anything but a JSON object (arrays and null included). */
export function assertDocument(document: unknown): asserts document is Document {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ValidationError('A document is a JSON object')
  }
}

/**
 * A document as JSON text, refusing what JSON or the SQL adapters cannot hold: a non-object,
 * NaN and infinities, NUL characters, functions, bigints, cycles.
 */
export function documentJson(document: unknown, what = 'document'): string {
  assertDocument(document)
  const text = toJson(document, what)
  // JSON.stringify writes a lone surrogate as a \udxxx escape, which PostgreSQL's jsonb refuses
  if (/\\ud[89a-f]/i.test(text) && hasLoneSurrogate(document)) {
    throw new ValidationError(`The ${what} holds a string with a lone UTF-16 surrogate (not valid Unicode)`)
  }
  return text
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return loneSurrogate.test(value)
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some(hasLoneSurrogate)
  return Object.entries(value).some(([key, item]) => loneSurrogate.test(key) || hasLoneSurrogate(item))
}

/** The declared index paths, each checked. */
export function validateCollectionOptions(options: CollectionOptions | undefined): readonly string[] {
  const indexes = options?.indexes ?? []
  for (const field of indexes) assertFieldPath(field)
  return indexes
}

/** The `where` entries, each a valid field path compared with a JSON scalar. */
export function validateWhere(where: Where | undefined): [string, string | number | boolean | null][] {
  if (where === undefined) return []
  const entries = Object.entries(where)
  for (const [field, value] of entries) {
    assertFieldPath(field)
    const type = typeof value
    if (!(value === null || type === 'string' || type === 'number' || type === 'boolean')) {
      throw new ValidationError(`Field "${field}" can only be compared with a JSON scalar`, { field })
    }
    if (type === 'string' && loneSurrogate.test(value as string)) {
      throw new ValidationError(`Field "${field}" can only be compared with valid Unicode`, { field })
    }
    if (type === 'number' && !Number.isFinite(value)) {
      throw new ValidationError(`Field "${field}" can only be compared with a finite number`, { field })
    }
  }
  return entries
}

/** Checks and normalizes `find` options: sort directions default to `'asc'`, offset to 0. */
export function validateFindOptions(options: FindOptions = {}): {
  where: [string, string | number | boolean | null][]
  orderBy: { field: string; direction: 'asc' | 'desc' }[]
  limit: number | undefined
  offset: number
} {
  const where = validateWhere(options.where)
  const orderBy = (options.orderBy ?? []).map(({ field, direction = 'asc' }) => {
    assertFieldPath(field)
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ValidationError(`Sort direction must be "asc" or "desc", got ${String(direction)}`)
    }
    return { field, direction }
  })
  const { limit, offset = 0 } = options
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ValidationError('limit must be a non-negative integer', { limit })
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new ValidationError('offset must be a non-negative integer', { offset })
  }
  return { where, orderBy, limit, offset }
}

/** The value at a dotted path, or undefined. */
export function fieldValue(document: Document, path: string): unknown {
  let value: unknown = document
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** Equality as every adapter applies it: same JSON scalar; a missing field equals nothing. */
export function matchesWhere(document: Document, where: readonly [string, unknown][]): boolean {
  for (const [field, expected] of where) {
    const actual = fieldValue(document, field)
    if (actual === undefined || actual !== expected) return false
  }
  return true
}

const rank = (value: unknown): number =>
  value === undefined || value === null
    ? 0
    : typeof value === 'boolean'
      ? 1
      : typeof value === 'number'
        ? 2
        : typeof value === 'string'
          ? 3
          : 4

/**
 * The sort order every adapter follows: missing and null first, then booleans, numbers
 * (numerically), strings (by code point), then objects and arrays (unordered among themselves).
 */
export function compareValues(a: unknown, b: unknown): number {
  const byRank = rank(a) - rank(b)
  if (byRank !== 0) return byRank
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b)
  return 0
}

/** Orders strings by code point, as SQLite's BINARY and PostgreSQL's "C" collation (UTF-8) do. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/**
 * UTF-16 code units put U+E000..U+FFFF after the surrogates that encode U+10000 and up; moving the
 * surrogates to the top makes the first differing unit decide by code point, without allocating.
 */
const codePointRank = (unit: number): number =>
  unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit

/** Shallow merge used by `patch`. */
export function mergePatch<T extends Document>(current: T, changes: Partial<T>): T {
  assertDocument(changes)
  return { ...current, ...changes }
}

/** The error `saveCheckpoint` raises when a newer owner claimed the checkpoint. */
export function fencedCheckpoint(name: string, epoch: number, current: number | undefined): ActaError {
  const why =
    current === undefined
      ? 'does not exist (never claimed, or deleted)'
      : `was claimed by a newer owner (epoch ${current}, this writer has ${epoch})`
  return new ActaError('CONFLICT', `Checkpoint "${name}" ${why}`, {
    details: { checkpoint: name, epoch, currentEpoch: current },
  })
}

/** A deep copy through JSON, so callers never share state with the store. */
export function cloneDocument<T>(document: T): T {
  return JSON.parse(JSON.stringify(document)) as T
}
