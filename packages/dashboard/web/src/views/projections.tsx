import { useState } from 'preact/hooks'
import { seg } from '../api.js'
import { useApp } from '../context.js'
import { useData } from '../hooks.js'
import type { ProjectionStatus } from '../types.js'
import { ConfirmButton } from '../ui/confirm-button.js'
import { Feedback } from '../ui/feedback.js'
import { formatCount, formatDuration, formatRate, formatTime } from '../ui/format.js'
import { RebuildProgressBar } from '../ui/rebuild-progress.js'
import { ConsumersSection, QueuesSection } from './consumers.js'
import { ParkedEvents, ProcessInstancesTable } from './process-instances.js'
import { ColumnHeads } from '../ui/column-heads.js'

/** Projections and process managers (state, position, lag, controls, rebuilds, instances), then the other consumers. */
export function ProjectionsView() {
  const { api, announce } = useApp()
  const status = useData(
    (a) => a.get<{ projections: ProjectionStatus[] }>('projections'),
    'projections',
    2000,
  )
  const [rebuilds, setRebuilds] = useState<Record<string, number>>({})
  const [open, setOpen] = useState<Record<string, 'instances' | 'parked' | undefined>>({})
  const [error, setError] = useState<string | undefined>()

  const control = async (name: string, action: 'stop' | 'start' | 'reset' | 'rebuild') => {
    setError(undefined)
    try {
      const answer = await api.post<{ build?: number }>(`projections/${seg(name)}/${action}`, {})
      if (action === 'rebuild' && answer.build !== undefined) {
        setRebuilds((current) => ({ ...current, [name]: answer.build! }))
        announce(`Rebuild of ${name} started: build ${answer.build}`)
      } else announce(`${capital(action)} of ${name} requested`)
      status.reload()
    } catch (failure) {
      setError(
        `${capital(action)} of ${name} failed: ${failure instanceof Error ? failure.message : String(failure)}`,
      )
    }
  }
  const toggle = (name: string, panel: 'instances' | 'parked') =>
    setOpen((current) => ({ ...current, [name]: current[name] === panel ? undefined : panel }))

  const projections = status.data?.projections ?? []
  return (
    <>
      <h1 tabIndex={-1}>Projections &amp; process managers</h1>
      <Feedback loading={status.loading} error={status.error} what="projections" />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status.data && projections.length === 0 && (
        <p class="muted">No projection has run on this database yet.</p>
      )}
      {projections.length > 0 && (
        <table class="projections">
          <ColumnHeads
            names={[
              'Name',
              'State',
              'Position',
              'Head',
              'Lag',
              'Events/s',
              'Parked',
              'Last error',
              'Actions',
            ]}
          />
          {projections.map((p) => (
            <tbody key={p.name} data-projection={p.name} data-state={p.state}>
              <tr>
                <th scope="row">
                  {p.name} <span class={`badge kind-${p.kind}`}>{kindLabel(p.kind)}</span>
                  <div class="muted small">
                    v{p.version} · build {p.activeBuild ?? '—'}
                  </div>
                </th>
                <td>
                  <span class={`state state-${p.state}`}>{p.state}</span>
                </td>
                <td class="num">{formatCount(p.position)}</td>
                <td class="num">{formatCount(p.headPosition)}</td>
                <td class="num" data-testid="lag">
                  {formatCount(p.lagEvents)}
                  {p.lagEvents > 0 && <div class="muted small">{formatDuration(p.lagMs)}</div>}
                </td>
                <td class="num">{formatRate(p.eventsPerSecond)}</td>
                <td class="num">
                  {p.parked > 0 ? (
                    <button
                      type="button"
                      class="quiet"
                      aria-expanded={open[p.name] === 'parked'}
                      aria-label={`${p.parked} parked events of ${p.name}`}
                      onClick={() => toggle(p.name, 'parked')}
                    >
                      {p.parked}
                    </button>
                  ) : (
                    0
                  )}
                </td>
                <td class="last-error">
                  {p.lastError ? `${p.lastError.message} (${formatTime(p.lastError.at)})` : '—'}
                </td>
                <td class="actions">
                  {p.state === 'stopped' || p.state === 'faulted' ? (
                    <button
                      type="button"
                      aria-label={`Start ${p.name}`}
                      onClick={() => void control(p.name, 'start')}
                    >
                      Start
                    </button>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Stop ${p.name}`}
                      onClick={() => void control(p.name, 'stop')}
                    >
                      Stop
                    </button>
                  )}
                  <ConfirmButton
                    label="Reset"
                    name={`Reset ${p.name}`}
                    question={`Reset ${p.name}? Its documents are cleared and the whole log is replayed into them; queries see them refill.`}
                    confirm="Reset"
                    onConfirm={() => void control(p.name, 'reset')}
                  />
                  <ConfirmButton
                    label="Rebuild"
                    name={`Rebuild ${p.name}`}
                    question={`Rebuild ${p.name}? A new build replays the log beside the active one and takes over once caught up.`}
                    confirm="Rebuild"
                    onConfirm={() => void control(p.name, 'rebuild')}
                  />
                  {p.kind === 'process-manager' && (
                    <button
                      type="button"
                      aria-expanded={open[p.name] === 'instances'}
                      aria-label={`Instances of ${p.name}`}
                      onClick={() => toggle(p.name, 'instances')}
                    >
                      Instances
                    </button>
                  )}
                </td>
              </tr>
              {(rebuilds[p.name] ?? p.rebuild?.build) !== undefined && (
                <tr class="details">
                  <td colSpan={9}>
                    {/* a rebuild started elsewhere (the CLI, another browser) shows too */}
                    <RebuildProgressBar
                      key={rebuilds[p.name] ?? p.rebuild?.build}
                      name={p.name}
                      build={(rebuilds[p.name] ?? p.rebuild?.build)!}
                      onClose={() => setRebuilds(({ [p.name]: _, ...rest }) => rest)}
                    />
                  </td>
                </tr>
              )}
              {open[p.name] && (
                <tr class="details">
                  <td colSpan={9}>
                    {open[p.name] === 'parked' ? (
                      <ParkedEvents name={p.name} />
                    ) : (
                      <ProcessInstancesTable name={p.name} />
                    )}
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      )}
      <ConsumersSection />
      <QueuesSection />
    </>
  )
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

const kindLabel = (kind: ProjectionStatus['kind']) =>
  kind === 'process-manager' ? 'process manager' : kind === 'event-log' ? 'event log' : 'projection'
