const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * A UUID version 7 (RFC 9562): time-ordered, so indexes on ids stay compact.
 * Uses Web Crypto only, so core runs on any runtime.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16)
  let ms = now
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-'
    out += hex[bytes[i]!]!
  }
  return out
}

// One getRandomValues call per id costs more than the rest of an in-memory append; draw from a pool.
const pool = new Uint8Array(4096)
let poolOffset = pool.length

function randomBytes(count: number): Uint8Array {
  if (poolOffset + count > pool.length) {
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const out = pool.slice(poolOffset, poolOffset + count)
  poolOffset += count
  return out
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for a canonical 8-4-4-4-12 hexadecimal UUID of any version. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value)
}

/**
 * A UUID (version 8, RFC 9562) derived from a name with SHA-256: the same name always gives the
 * same id. The command pipeline derives event ids from a command's `messageId` with it, so a
 * redelivered command appends nothing twice.
 */
export async function nameBasedUuid(name: string): Promise<string> {
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(name)),
  )
  digest[6] = (digest[6]! & 0x0f) | 0x80
  digest[8] = (digest[8]! & 0x3f) | 0x80
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-'
    out += hex[digest[i]!]!
  }
  return out
}
