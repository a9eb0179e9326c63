/** What a view shows while it loads or when its request failed (errors are announced as alerts). */
export function Feedback(props: { loading: boolean; error: string | undefined; what: string }) {
  if (props.error)
    return (
      <p class="error" role="alert">
        {props.error}
      </p>
    )
  if (props.loading)
    return (
      <p class="muted" role="status">
        Loading {props.what}…
      </p>
    )
  return null
}
