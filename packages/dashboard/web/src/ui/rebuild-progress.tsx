import { useEffect, useState } from 'preact/hooks'
import { seg } from '../api.js'
import { useApp } from '../context.js'
import type { ProjectionStatus, RebuildProgress } from '../types.js'
import { formatDuration, formatRate } from './format.js'

type Phase =
  { kind: 'running'; progress?: RebuildProgress } | { kind: 'done' } | { kind: 'failed'; message: string }

/** Polls a rebuild every second until its build is the active one: fraction, rate, time left. */
export function RebuildProgressBar(props: { name: string; build: number; onClose: () => void }) {
  const { api, announce } = useApp()
  const [phase, setPhase] = useState<Phase>({ kind: 'running' })
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      try {
        const status = await api.get<ProjectionStatus>(`projections/${seg(props.name)}`)
        if (!live) return
        const build = status.builds.find((candidate) => candidate.build === props.build)
        if (build?.state === 'active') {
          setPhase({ kind: 'done' })
          announce(`Rebuild of ${props.name} done: build ${props.build} is active`)
          return
        }
        if (build?.state === 'retired') {
          setPhase({ kind: 'failed', message: `Build ${props.build} was retired before it became active` })
          return
        }
        if (status.state === 'faulted') {
          setPhase({ kind: 'failed', message: status.lastError?.message ?? 'The projection faulted' })
          return
        }
        const progress = status.rebuild?.build === props.build ? status.rebuild : undefined
        setPhase(progress ? { kind: 'running', progress } : { kind: 'running' })
      } catch (error) {
        if (!live) return
        setPhase({ kind: 'failed', message: error instanceof Error ? error.message : String(error) })
        return
      }
      timer = setTimeout(() => void poll(), 1000)
    }
    void poll()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [api, props.name, props.build])

  const fraction = phase.kind === 'done' ? 1 : phase.kind === 'running' ? (phase.progress?.fraction ?? 0) : 0
  const labelId = `rebuild-${props.name}-label`
  return (
    <div class="rebuild" data-phase={phase.kind} data-build={props.build}>
      <p id={labelId}>
        Rebuild of {props.name}, build {props.build}:{' '}
        {phase.kind === 'done'
          ? 'done, the new build is active.'
          : phase.kind === 'failed'
            ? phase.message
            : `${Math.floor(fraction * 100)} %`}
      </p>
      <progress aria-labelledby={labelId} max={1} value={fraction} />
      {phase.kind === 'running' && phase.progress && (
        <p class="muted small">
          position {phase.progress.position} of {phase.progress.headPosition} ·{' '}
          {formatRate(phase.progress.eventsPerSecond)} events/s ·{' '}
          {phase.progress.etaMs === undefined
            ? 'time left unknown'
            : `about ${formatDuration(phase.progress.etaMs)} left`}
        </p>
      )}
      {phase.kind !== 'running' && (
        <button type="button" class="quiet" onClick={props.onClose}>
          Dismiss
        </button>
      )}
    </div>
  )
}
