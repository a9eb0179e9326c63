import { seg } from '../api.js'
import { useData } from '../hooks.js'
import { href } from '../router.js'
import type { StateChange, StateHistory } from '../types.js'
import { Feedback } from '../ui/feedback.js'
import { formatTime, pretty } from '../ui/format.js'
import { JsonView } from '../ui/json-view.js'
import { LookupForm } from '../ui/lookup-form.js'

/** Time travel through one stream: pick a stream, see the state after each of its events. */
export function TimeTravelView(props: { streamId: string | undefined }) {
  return (
    <>
      <h1 tabIndex={-1}>Time travel</h1>
      <LookupForm
        route="time-travel"
        purpose="Choose a stream"
        label="Stream id"
        id="travel-stream"
        value={props.streamId}
        placeholder="todo-1"
        submit="Replay"
      />
      {props.streamId ? (
        <>
          <p>
            <a href={href(['streams', props.streamId])}>Events of {props.streamId}</a>
          </p>
          <TimeTravelSteps streamId={props.streamId} />
        </>
      ) : (
        <p class="muted">
          The state of a stream after each of its events, replayed through the decider registered for its
          category.
        </p>
      )}
    </>
  )
}

/** The steps of a stream's history: event, state after it, what changed (marked in the state). */
export function TimeTravelSteps(props: { streamId: string }) {
  const history = useData(
    (api) => api.get<StateHistory>(`streams/${seg(props.streamId)}/states`),
    props.streamId,
  )
  return (
    <section aria-labelledby="steps-heading">
      <h2 id="steps-heading">States of {props.streamId}</h2>
      <Feedback loading={history.loading} error={history.error} what="the states" />
      {history.data && (
        <>
          <details>
            <summary>Initial state</summary>
            <JsonView value={history.data.initialState} label="Initial state" />
          </details>
          <ol class="steps" aria-label={`${history.data.steps.length} steps`}>
            {history.data.steps.map((step) => (
              <li key={step.event.eventId} data-version={step.event.version}>
                <h3>
                  v{step.event.version} <span class="type">{step.event.type}</span>{' '}
                  <span class="muted">{formatTime(step.event.recordedAt)}</span>
                </h3>
                <Changes changes={step.changes} />
                <JsonView
                  value={step.state}
                  label={`State after version ${step.event.version}`}
                  highlight={new Map(step.changes.map((change) => [change.path, change.kind]))}
                />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}

function Changes(props: { changes: StateChange[] }) {
  if (props.changes.length === 0) return <p class="muted">No change to the state.</p>
  return (
    <ul class="changes" aria-label="Changes">
      {props.changes.map((change) => (
        <li key={change.path} class={`change-${change.kind}`}>
          <code>{change.path || '/'}</code> {change.kind}
          {change.kind === 'changed' && (
            <>
              : <del>{short(change.before)}</del> → <ins>{short(change.after)}</ins>
            </>
          )}
          {change.kind === 'added' && (
            <>
              : <ins>{short(change.after)}</ins>
            </>
          )}
          {change.kind === 'removed' && (
            <>
              : <del>{short(change.before)}</del>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}

const short = (value: unknown) => {
  const text = pretty(value).replace(/\s+/g, ' ')
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}
