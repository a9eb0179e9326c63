import { describe, expect, it } from 'vitest'
import { stopOnSignals } from './stop-on-signals.js'

/** A trigger with no real signals, a fake clock and recorded exits. */
function harness(stop: () => Promise<unknown>) {
  const exits: number[] = []
  const lines: string[] = []
  let clock = 0
  const trigger = stopOnSignals(stop, {
    signals: [],
    what: 'the fleet',
    log: (line) => lines.push(line),
    exit: (code) => exits.push(code),
    now: () => clock,
  })
  return { trigger, exits, lines, advance: (ms: number) => (clock += ms) }
}

describe('stopOnSignals', () => {
  it('stops once, ignoring the repeat of the same Ctrl-C, and exits 0', async () => {
    // Given a stop that takes a while
    let finish!: () => void
    let stops = 0
    const { trigger, exits, lines, advance } = harness(() => {
      stops++
      return new Promise<void>((resolve) => (finish = resolve))
    })
    // When the signal comes twice within the window
    trigger('SIGINT')
    advance(500)
    trigger('SIGINT')
    // Then it stops once and exits once stopped
    expect(stops).toBe(1)
    expect(exits).toEqual([])
    finish()
    await expect.poll(() => exits).toEqual([0])
    expect(lines).toEqual(['SIGINT: stopping the fleet …'])
  })

  it('exits at once with 1 on a signal after the window', () => {
    const { trigger, exits, advance } = harness(() => new Promise(() => {}))
    trigger('SIGTERM')
    advance(2500)
    trigger('SIGINT')
    expect(exits).toEqual([1])
  })

  it('exits 1 when stopping fails', async () => {
    const { trigger, exits } = harness(() => Promise.reject(new Error('a child hung')))
    const logged = console.error
    console.error = () => {}
    try {
      trigger('SIGTERM')
      await expect.poll(() => exits).toEqual([1])
    } finally {
      console.error = logged
    }
  })
})
