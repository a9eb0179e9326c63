/** A route path pattern, parsed once: an exact path, or a regular expression anchored at both ends. */
export interface ParsedPattern {
  /** Why the pattern is invalid; the other fields are meaningless then. */
  readonly problem?: string
  /** Set when the pattern has no parameter and no wildcard. */
  readonly exact?: string
  /** Anchored source valid both for JavaScript and for PCRE (nginx), e.g. `^/values/[^/]+$`. */
  readonly source: string
}

const literal = /^[A-Za-z0-9._~@!&+,;=%-]+$/
const parameter = /^:[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses a route path: literal segments, `:name` segments (one non-empty segment) and a final `*`
 * (the rest of the path, possibly empty, slashes included).
 */
export function parsePattern(pattern: string): ParsedPattern {
  if (!pattern.startsWith('/')) return { problem: 'a path starts with "/"', source: '' }
  const segments = pattern.slice(1).split('/')
  let source = '^'
  let dynamic = false
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    const last = i === segments.length - 1
    source += '/'
    if (segment === '') {
      if (!last || (i > 0 && segments[i - 1] === '')) return { problem: 'empty segment ("//")', source: '' }
      continue
    }
    if (segment === '*') {
      if (!last) return { problem: '"*" may only be the last segment', source: '' }
      source += '.*'
      dynamic = true
    } else if (segment.startsWith(':')) {
      if (!parameter.test(segment)) return { problem: `bad parameter "${segment}"`, source: '' }
      source += '[^/]+'
      dynamic = true
    } else if (segment === '.' || segment === '..') {
      return { problem: 'dot segments are not allowed', source: '' }
    } else if (!literal.test(segment)) {
      return {
        problem: `segment "${segment}" may hold only letters, digits and . _ ~ @ ! & + , ; = % -`,
        source: '',
      }
    } else {
      source += segment.replace(/[.+]/g, '\\$&')
    }
  }
  source += '$'
  return dynamic ? { source } : { exact: pattern, source }
}

/** A compiled pattern: `matches(path)` for a request path without its query string. */
export function compilePattern(pattern: string): (path: string) => boolean {
  const parsed = parsePattern(pattern)
  if (parsed.problem !== undefined) throw new Error(`invalid path pattern "${pattern}": ${parsed.problem}`)
  const exact = parsed.exact
  if (exact !== undefined) return (path) => path === exact
  const regex = new RegExp(parsed.source)
  return (path) => regex.test(path)
}
