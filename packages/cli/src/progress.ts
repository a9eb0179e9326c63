// The progress of a rebuild: a bar redrawn in place on a terminal, else a line at most once a second.
import type { RebuildProgress } from '@acta/core'
import pc from 'picocolors'
import { formatCount, formatDuration, printJsonLine } from './output.js'

export interface ProgressReporter {
  update: (progress: RebuildProgress) => void
  /** Ends the redrawn line (if any) so the next output starts on a fresh one. */
  done: () => void
}

/**
 * Reports rebuild progress: with `json`, JSON lines (`{ status: 'progress', … }`) on stdout at most
 * once a second; otherwise on stderr, a redrawn bar when it is a terminal, else a plain line at
 * most once a second.
 *
 * @example
 * const reporter = progressReporter({ json: false })
 * await admin.watchRebuild('todos', build, reporter.update)
 * reporter.done()
 */
export function progressReporter(options: { json: boolean; stderr?: NodeJS.WriteStream }): ProgressReporter {
  const stderr = options.stderr ?? process.stderr
  const redraw = !options.json && stderr.isTTY === true
  let shownAt = 0
  let drawn = false
  let last: RebuildProgress | undefined
  const due = (progress: RebuildProgress) => {
    const now = Date.now()
    const finished = progress.fraction >= 1
    if (now - shownAt < (redraw ? 100 : 1000) && !(finished && last?.fraction !== 1)) return false
    shownAt = now
    last = progress
    return true
  }
  return {
    update(progress) {
      if (!due(progress)) return
      if (options.json) printJsonLine({ status: 'progress', ...progress, etaMs: progress.etaMs ?? null })
      else if (redraw) {
        const width = Math.max(10, Math.min(30, (stderr.columns ?? 80) - 60))
        stderr.write(`\r\u001b[K${bar(progress.fraction, width)} ${describe(progress)}`)
        drawn = true
      } else stderr.write(`${describe(progress)}\n`)
    },
    done() {
      if (drawn) stderr.write('\n')
      drawn = false
    },
  }
}

/** `45.0%  1,234/2,742  1,200 events/s  ETA 1.3 s` */
export function describe(progress: RebuildProgress): string {
  const percent = `${(progress.fraction * 100).toFixed(1)}%`.padStart(6)
  const rate =
    progress.eventsPerSecond > 0
      ? `${formatCount(Math.round(progress.eventsPerSecond))} events/s`
      : '– events/s'
  const eta =
    progress.fraction >= 1
      ? 'done'
      : progress.etaMs === undefined
        ? 'ETA –'
        : `ETA ${formatDuration(progress.etaMs)}`
  return `${percent}  ${formatCount(progress.position)}/${formatCount(progress.headPosition)}  ${rate}  ${eta}`
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return `${pc.green('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))}`
}
