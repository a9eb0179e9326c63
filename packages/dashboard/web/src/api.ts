/** A problem+json answer of the admin API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface Api {
  get<T>(path: string): Promise<T>
  post<T>(path: string, body: unknown): Promise<T>
  /** The websocket URL of the live feed. */
  readonly liveUrl: string
  readonly token: string
}

/** The API beside the app: a page at `/_acta/` calls `/_acta/api/…`, whatever proxy is in front. */
export const apiBase = (): URL => new URL('api/', document.baseURI)

/**
 * Calls the admin API with the token. A 401 tells `onUnauthorized` (the app asks for the token
 * again) before it rejects; every other failure rejects with the problem's detail.
 */
export function createApi(token: string, onUnauthorized: () => void): Api {
  const base = apiBase()
  const call = async <T>(path: string, init: RequestInit): Promise<T> => {
    let res: Response
    try {
      res = await fetch(new URL(path, base), {
        ...init,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...init.headers },
        cache: 'no-store',
      })
    } catch {
      throw new ApiError(0, 'The admin API cannot be reached')
    }
    if (res.status === 401) {
      onUnauthorized()
      throw new ApiError(401, 'The token was refused')
    }
    const body: unknown = res.status === 204 ? undefined : await res.json().catch(() => undefined)
    if (!res.ok) {
      const problem = (body ?? {}) as { detail?: string; title?: string }
      throw new ApiError(res.status, problem.detail ?? problem.title ?? `HTTP ${res.status}`)
    }
    return body as T
  }
  const live = new URL('live', base)
  live.protocol = live.protocol === 'https:' ? 'wss:' : 'ws:'
  return {
    token,
    liveUrl: live.toString(),
    get: (path) => call(path, { method: 'GET' }),
    post: (path, body) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  }
}

/** Checks a token against the API without keeping it: true when accepted. */
export async function tokenAccepted(token: string): Promise<boolean> {
  let refused = false
  try {
    await createApi(token, () => (refused = true)).get('projections')
    return true
  } catch (error) {
    if (refused) return false
    throw error
  }
}

/** A path segment for the API or a route. */
export const seg = (value: string | number): string => encodeURIComponent(String(value))
