import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** Decoded path segments after `#/`. */
  path: string[]
  query: URLSearchParams
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '')
  const [pathPart = '', queryPart = ''] = raw.split('?', 2)
  const path = pathPart
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
  return { path, query: new URLSearchParams(queryPart) }
}

/** `#/streams/todo-1?from=3` from segments and query values (undefined values left out). */
export function href(
  path: readonly (string | number)[],
  query: Record<string, string | number | undefined> = {},
) {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value))
  const text = search.toString()
  return `#/${path.map((segment) => encodeURIComponent(String(segment))).join('/')}${text ? `?${text}` : ''}`
}

export function navigate(to: string): void {
  location.hash = to
}

/** The current hash route, updated on `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash))
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}
