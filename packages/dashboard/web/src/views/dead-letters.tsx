import { useState } from 'preact/hooks'
import { useApp } from '../context.js'
import { useData } from '../hooks.js'
import type { DeadLetter } from '../types.js'
import { ConfirmButton } from '../ui/confirm-button.js'
import { Feedback } from '../ui/feedback.js'
import { formatTime } from '../ui/format.js'
import { JsonView } from '../ui/json-view.js'
import { ColumnHeads } from '../ui/column-heads.js'

/** Messages consumers gave up on: inspect them, replay one or all. */
export function DeadLettersView() {
  const { api, announce } = useApp()
  const letters = useData((a) => a.get<{ deadLetters: DeadLetter[] }>('dead-letters'), 'dead-letters', 5000)
  const [open, setOpen] = useState<string | undefined>()
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>()

  const replay = async (body: { ids: string[] } | { all: true }, what: string) => {
    try {
      const { replayed } = await api.post<{ replayed: number }>('dead-letters/replay', body)
      const text = `Replayed ${replayed} message${replayed === 1 ? '' : 's'} (${what})`
      setOutcome({ ok: true, text })
      announce(text)
      letters.reload()
    } catch (error) {
      setOutcome({
        ok: false,
        text: `Replay failed: ${error instanceof Error ? error.message : String(error)}`,
      })
    }
  }

  const list = letters.data?.deadLetters ?? []
  return (
    <>
      <h1 tabIndex={-1}>Dead letters</h1>
      <Feedback loading={letters.loading} error={letters.error} what="dead letters" />
      {outcome && (
        <p
          class={outcome.ok ? 'notice' : 'error'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid="replay-outcome"
        >
          {outcome.text}
        </p>
      )}
      {letters.data && list.length === 0 && <p class="muted">No dead letters: every message was handled.</p>}
      {list.length > 0 && (
        <>
          <ConfirmButton
            label={`Replay all (${list.length})`}
            name={`Replay all ${list.length} dead letters`}
            question={`Send all ${list.length} dead letters back to their queues?`}
            confirm="Replay all"
            onConfirm={() => void replay({ all: true }, 'all')}
          />
          <table class="dead-letters">
            <ColumnHeads names={['Message', 'Queue', 'Attempts', 'Failed', 'Error', 'Actions']} />
            {list.map((letter) => (
              <tbody key={letter.id} data-dead-letter={letter.id}>
                <tr>
                  <th scope="row">
                    <code>{letter.message.type}</code>
                  </th>
                  <td>{letter.queue}</td>
                  <td class="num">{letter.attempts}</td>
                  <td>{formatTime(letter.failedAt)}</td>
                  <td class="error-text">{letter.error}</td>
                  <td class="actions">
                    <button
                      type="button"
                      aria-expanded={open === letter.id}
                      aria-controls={`letter-${letter.id}`}
                      aria-label={`Inspect ${letter.message.type} from ${letter.queue}`}
                      onClick={() => setOpen(open === letter.id ? undefined : letter.id)}
                    >
                      Inspect
                    </button>
                    <button
                      type="button"
                      aria-label={`Replay ${letter.message.type} from ${letter.queue}`}
                      onClick={() => void replay({ ids: [letter.id] }, letter.message.type)}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
                {open === letter.id && (
                  <tr class="details" id={`letter-${letter.id}`}>
                    <td colSpan={6}>
                      <dl class="facts">
                        <dt>Id</dt>
                        <dd>
                          <code>{letter.id}</code>
                        </dd>
                        <dt>Error</dt>
                        <dd class="error-text">{letter.error}</dd>
                        <dt>Attempts</dt>
                        <dd>{letter.attempts}</dd>
                      </dl>
                      <div class="columns">
                        <div>
                          <h3>Data</h3>
                          <JsonView value={letter.message.data} label={`Data of ${letter.message.type}`} />
                        </div>
                        <div>
                          <h3>Headers</h3>
                          <JsonView
                            value={letter.message.headers}
                            label={`Headers of ${letter.message.type}`}
                          />
                        </div>
                      </div>
                    </td>
                  </tr>
                )}
              </tbody>
            ))}
          </table>
        </>
      )}
    </>
  )
}
