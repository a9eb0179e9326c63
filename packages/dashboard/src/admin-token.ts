import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { HttpProblem } from '@acta/service'

/** Shortest token the admin API accepts: a guessable token would protect nothing. */
export const minTokenLength = 16

/** Checks a presented token against the configured one in constant time. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(expected), digest(presented))
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/**
 * Throws a 401 problem unless the request carries the token as `Authorization: Bearer <token>`.
 * The problem says only that a valid token is needed: nothing about what exists behind it.
 */
export function requireToken(expected: string, headers: IncomingHttpHeaders): void {
  if (tokenMatches(expected, bearerToken(headers))) return
  throw new HttpProblem(
    {
      status: 401,
      title: 'Unauthorized',
      detail: 'The admin API needs a valid token: send it as "Authorization: Bearer <ACTA_ADMIN_TOKEN>"',
    },
    { 'www-authenticate': 'Bearer realm="acta-admin"' },
  )
}
