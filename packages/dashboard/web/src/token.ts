const key = 'acta-admin-token'

/**
 * Takes the token out of the address (`#token=…`, as the CLI prints it; fragments never reach a
 * server), so it is neither bookmarked nor shown, and keeps it for this tab's session.
 */
export function tokenFromAddress(): string | undefined {
  const match = /(?:^#|[&?])token=([^&]*)/.exec(location.hash)
  if (!match) return undefined
  const token = decodeURIComponent(match[1] ?? '')
  const rest = location.hash.replace(match[0], match[0].startsWith('#') ? '#' : '')
  const hash = rest === '#' || rest === '' ? '#/' : rest.replace(/^#&/, '#').replace(/^#\?/, '#')
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`)
  // replaceState fires nothing: tell the router the route it may have read is gone
  dispatchEvent(new HashChangeEvent('hashchange'))
  if (token === '') return undefined
  storeToken(token)
  return token
}

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined
  } catch {
    return undefined
  }
}

export function storeToken(token: string): void {
  try {
    sessionStorage.setItem(key, token)
  } catch {
    // storage may be disabled: the token then lives as long as the page
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(key)
  } catch {
    // nothing was stored
  }
}
