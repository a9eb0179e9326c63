import { useRef } from 'preact/hooks'

/**
 * A button that asks first, in a modal `<dialog>` (focus moves into it, Escape cancels and focus
 * comes back to the button).
 */
export function ConfirmButton(props: {
  label: string
  /** The accessible name when the visible label is not enough (`Rebuild todo_list`). */
  name?: string
  question: string
  confirm: string
  disabled?: boolean
  onConfirm: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  return (
    <>
      <button
        type="button"
        aria-label={props.name}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.name ?? props.label} class="confirm">
        <form
          method="dialog"
          onSubmit={(event) => {
            const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null
            if (submitter?.value === 'yes') props.onConfirm()
          }}
        >
          <p>{props.question}</p>
          <div class="actions">
            <button type="submit" value="no" autofocus>
              Cancel
            </button>
            <button type="submit" value="yes" class="danger">
              {props.confirm}
            </button>
          </div>
        </form>
      </dialog>
    </>
  )
}
