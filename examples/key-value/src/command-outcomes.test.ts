import type { IncomingMessage, StoredEvent } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { commandOutcomes, outcomeReplyType } from './command-outcomes.js'

const event = (causationId: string, globalPosition: number) =>
  ({ metadata: { causationId, schemaVersion: 1 }, globalPosition }) as unknown as StoredEvent
const reply = (data: unknown) => ({ type: outcomeReplyType, data }) as IncomingMessage

describe('command outcomes', () => {
  it('resolves with the position of the event the command caused', async () => {
    const outcomes = commandOutcomes()
    const { outcome } = outcomes.expect('m-1', 1000)
    outcomes.eventApplied(event('other', 3))
    outcomes.eventApplied(event('m-1', 4))
    expect(await outcome).toEqual({ kind: 'recorded', position: 4 })
  })

  it('resolves with a reply when the command recorded nothing or was refused', async () => {
    const outcomes = commandOutcomes()
    const unchanged = outcomes.expect('m-1', 1000).outcome
    const refused = outcomes.expect('m-2', 1000).outcome
    outcomes.replied(reply({ messageId: 'm-1', kind: 'unchanged' }))
    outcomes.replied(reply({ messageId: 'm-2', kind: 'refused', code: 'VALIDATION', message: 'no' }))
    expect(await unchanged).toEqual({ kind: 'unchanged' })
    expect(await refused).toEqual({ kind: 'refused', code: 'VALIDATION', message: 'no' })
  })

  it('gives up after the timeout, and on cancel', async () => {
    const outcomes = commandOutcomes()
    expect(await outcomes.expect('m-1', 10).outcome).toBeUndefined()
    const waiting = outcomes.expect('m-2', 10_000)
    waiting.cancel()
    expect(await waiting.outcome).toBeUndefined()
    outcomes.eventApplied(event('m-2', 1))
  })

  it('ignores replies that are not outcomes', async () => {
    const outcomes = commandOutcomes()
    const { outcome } = outcomes.expect('m-1', 20)
    outcomes.replied(reply(null))
    outcomes.replied(reply({ messageId: 'm-1', kind: 'maybe' }))
    expect(await outcome).toBeUndefined()
  })
})
