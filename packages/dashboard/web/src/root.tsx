import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { createApi } from './api.js'
import { App } from './context.js'
import { Shell } from './shell.js'
import { TokenForm } from './token-form.js'
import { forgetToken, storeToken, storedToken, tokenFromAddress } from './token.js'

/** The token gate: the app runs with a token, the form asks for one when it is missing or refused. */
export function Root() {
  const [token, setToken] = useState(() => tokenFromAddress() ?? storedToken())
  const [notice, setNotice] = useState<string | undefined>()
  const [message, setMessage] = useState('')
  const announce = useCallback((text: string) => {
    // cleared first, so the same words said twice are read twice
    setMessage('')
    setTimeout(() => setMessage(text), 50)
  }, [])
  useEffect(() => {
    // a `#token=…` address pasted into this tab again (no reload: only the fragment changed)
    const adopt = () => {
      const fresh = tokenFromAddress()
      if (fresh !== undefined) {
        setNotice(undefined)
        setToken(fresh)
      }
    }
    addEventListener('hashchange', adopt)
    return () => removeEventListener('hashchange', adopt)
  }, [])
  const api = useMemo(
    () =>
      token === undefined
        ? undefined
        : createApi(token, () => {
            forgetToken()
            setNotice('The token was refused. Enter a valid admin token.')
            setToken(undefined)
          }),
    [token],
  )
  const context = useMemo(() => (api ? { api, announce } : undefined), [api, announce])
  return (
    <>
      {context ? (
        <App.Provider value={context}>
          <Shell
            onSignOut={() => {
              forgetToken()
              setNotice('Signed out.')
              setToken(undefined)
            }}
          />
        </App.Provider>
      ) : (
        <TokenForm
          notice={notice}
          onAccepted={(accepted) => {
            storeToken(accepted)
            setNotice(undefined)
            setToken(accepted)
          }}
        />
      )}
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" id="announcer">
        {message}
      </div>
    </>
  )
}
