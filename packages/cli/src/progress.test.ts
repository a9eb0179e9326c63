import type { RebuildProgress } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { describe as describeProgress, progressReporter } from './progress.js'

const at = (position: number, extra: Partial<RebuildProgress> = {}): RebuildProgress => ({
  projection: 'todos',
  build: 2,
  position,
  headPosition: 1000,
  fraction: position / 1000,
  eventsPerSecond: 250,
  etaMs: ((1000 - position) / 250) * 1000,
  ...extra,
})

const fakeStderr = (isTTY: boolean) => {
  const written: string[] = []
  const stream = { isTTY, columns: 100, write: (text: string) => written.push(text) > 0 }
  return { stream: stream as unknown as NodeJS.WriteStream, written }
}

describe('rebuild progress', () => {
  it('describes percent, position, rate and time left', () => {
    expect(describeProgress(at(450))).toBe(' 45.0%  450/1,000  250 events/s  ETA 2.2 s')
    expect(describeProgress(at(0, { eventsPerSecond: 0, etaMs: undefined }))).toBe(
      '  0.0%  0/1,000  – events/s  ETA –',
    )
    expect(describeProgress(at(1000))).toMatch(/100\.0% {2}1,000\/1,000 .* done$/)
  })

  it('redraws one line on a terminal and ends it when done', () => {
    const { stream, written } = fakeStderr(true)
    const reporter = progressReporter({ json: false, stderr: stream })
    reporter.update(at(100))
    reporter.update(at(1000))
    reporter.done()
    expect(written).toHaveLength(3)
    const redrawn = '\r\u001b[K'
    expect(written[0]?.startsWith(redrawn) && written[0].endsWith(describeProgress(at(100)))).toBe(true)
    expect(written[1]?.startsWith(redrawn) && written[1].endsWith(describeProgress(at(1000)))).toBe(true)
    expect(written[2]).toBe('\n')
  })

  it('prints a line at most once a second elsewhere, and always the last one', () => {
    const { stream, written } = fakeStderr(false)
    const reporter = progressReporter({ json: false, stderr: stream })
    for (let position = 100; position <= 1000; position += 100) reporter.update(at(position))
    reporter.done()
    expect(written).toEqual([`${describeProgress(at(100))}\n`, `${describeProgress(at(1000))}\n`])
  })
})
