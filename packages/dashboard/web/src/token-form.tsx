import { useState } from 'preact/hooks'
import { tokenAccepted } from './api.js'

/** Asks for the admin token (`ACTA_ADMIN_TOKEN`, printed by `acta dev`) and checks it before use. */
export function TokenForm(props: { notice: string | undefined; onAccepted: (token: string) => void }) {
  const [error, setError] = useState<string | undefined>()
  const [checking, setChecking] = useState(false)
  return (
    <main id="main" class="token-page">
      <h1>Acta dashboard</h1>
      {props.notice && !error && (
        <p class="notice" role="alert">
          {props.notice}
        </p>
      )}
      <form
        aria-label="Sign in"
        onSubmit={(event) => {
          event.preventDefault()
          const input = event.currentTarget.elements.namedItem('token') as HTMLInputElement
          const token = input.value.trim()
          if (token === '') {
            setError('Enter the admin token.')
            input.focus()
            return
          }
          setChecking(true)
          setError(undefined)
          tokenAccepted(token)
            .then((accepted) => {
              if (accepted) props.onAccepted(token)
              else {
                setError('The token was refused. Check ACTA_ADMIN_TOKEN and try again.')
                input.select()
              }
            })
            .catch((failure: unknown) =>
              setError(failure instanceof Error ? failure.message : String(failure)),
            )
            .finally(() => setChecking(false))
        }}
      >
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          aria-describedby="token-help"
          aria-invalid={error ? 'true' : undefined}
          autofocus
        />
        <p id="token-help" class="muted">
          The URL printed by <code>acta dev</code> carries it after <code>#token=</code>; it stays in this tab
          only.
        </p>
        <button type="submit" disabled={checking}>
          {checking ? 'Checking…' : 'Open the dashboard'}
        </button>
        {error && (
          <p class="error" role="alert" id="token-error">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}
