import { href } from '../router.js'

/**
 * A one-field form that opens `#/<route>/<value>`: a flow by correlation id, a stream's time
 * travel by stream id. Labelled, submitted with Enter.
 */
export function LookupForm(props: {
  route: string
  /** Names the form for assistive technology: "Find a flow". */
  purpose: string
  label: string
  id: string
  value: string | undefined
  placeholder?: string
  submit: string
  search?: boolean
}) {
  return (
    <form
      class="inline"
      {...(props.search ? { role: 'search' } : {})}
      aria-label={props.purpose}
      onSubmit={(event) => {
        event.preventDefault()
        const input = event.currentTarget.elements.namedItem('value') as HTMLInputElement
        if (input.value.trim()) location.hash = href([props.route, input.value.trim()])
      }}
    >
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name="value"
        defaultValue={props.value ?? ''}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
        autocomplete="off"
      />
      <button type="submit">{props.submit}</button>
    </form>
  )
}
