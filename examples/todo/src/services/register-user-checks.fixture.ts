import type { EventStore, StoredEvent } from '@acta/core'
import type { CommandSuccess, Infrastructure } from '@acta/service'
import { expect, it } from 'vitest'
import { userEmailStream, userStream } from '../shared/messages.js'
import { registerUser } from './register-user.js'

const register = (user_id: string, email: string, name = 'Ada') => ({
  type: 'register-user',
  data: { user_id, name, email },
})

async function allEvents(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = []
  for await (const event of store.readAll()) events.push(event)
  return events
}

const streamsOf = (results: Awaited<ReturnType<ReturnType<typeof registerUser>>>[]) =>
  results.map((result) => {
    if (!result.ok) throw result.error
    return { stream: result.events[0]?.streamId, types: result.events.map((e) => e.type) }
  })

/**
 * register-user's race and recovery checks, for any event store: `writers()` gives several
 * infrastructures on one database (as separate processes would have), fresh for the suite.
 *
 * @example
 * describe('on SQLite', () => registerUserChecks(() => writers))
 */
export function registerUserChecks(writerList: () => readonly Infrastructure[]): void {
  it('registers exactly one user when many register one email at once under different ids', async () => {
    // Given 30 registrations of one email (in varying case) with 30 different ids, on three writers
    const handlers = writerList().map(({ store }) => registerUser({ store }))
    const email = 'race@example.com'
    const ids = Array.from({ length: 30 }, (_, i) => `racer-${i}`)
    // When they all run at once
    const results = await Promise.all(
      ids.map((id, i) => handlers[i % handlers.length]!(register(id, i % 2 ? email.toUpperCase() : email))),
    )
    // Then one created the user, every other registered again on that same user
    const outcomes = streamsOf(results)
    const created = outcomes.filter((o) => o.types.includes('UserWasRegistered'))
    expect(created).toHaveLength(1)
    const owner = created[0]!.stream
    for (const outcome of outcomes.filter((o) => o !== created[0]))
      expect(outcome).toEqual({ stream: owner, types: ['UserWasRegisteredAgain'] })
    const racers = new Set(ids.map(userStream))
    const log = (await allEvents(writerList()[0]!.store)).filter((e) => racers.has(e.streamId))
    expect(log.filter((e) => e.type === 'UserWasRegistered')).toHaveLength(1)
    expect(new Set(log.map((e) => e.streamId))).toEqual(new Set([owner]))
  })

  it('answers a registration replayed with the same Idempotency-Key with what the first one recorded', async () => {
    // Given a registration, and a registration again of the same email, each with its own key
    const [a, b] = writerList().map(({ store }) => registerUser({ store }))
    const keyed = (user_id: string, key: string) => ({
      ...register(user_id, 'replayed@example.com'),
      metadata: { messageId: key },
    })
    const first = await a!(keyed('replayed', 'key-first'))
    const again = await a!(keyed('replayed-twin', 'key-again'))
    // When both are replayed, on another writer too, some at once
    const replays = await Promise.all([
      b!(keyed('replayed', 'key-first')),
      a!(keyed('replayed', 'key-first')),
      b!(keyed('replayed-twin', 'key-again')),
    ])
    // Then each replay answers its first result, and the log holds each event once
    const positions = (result: typeof first) => {
      if (!result.ok) throw result.error
      return result.events.map((e) => [e.type, e.eventId, e.globalPosition])
    }
    expect(positions(first)[0]?.[0]).toBe('UserWasRegistered')
    expect(positions(again)[0]?.[0]).toBe('UserWasRegisteredAgain')
    expect(replays.map(positions)).toEqual([positions(first), positions(first), positions(again)])
    const log = (await allEvents(writerList()[0]!.store)).filter((e) => e.streamId === userStream('replayed'))
    expect(log.map((e) => e.type)).toEqual(['UserWasRegistered', 'UserWasRegisteredAgain'])
  })

  it('lets exactly one of two registrations of one id with different emails win; the other is a CONFLICT', async () => {
    const [a, b] = writerList().map(({ store }) => registerUser({ store }))
    const results = await Promise.all([
      a!(register('twin', 'first@example.com')),
      b!(register('twin', 'second@example.com')),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    const refused = results.find((r) => !r.ok)
    expect(refused?.ok === false && refused.error.code).toBe('CONFLICT')
    const user = await writerList()[0]!.store.readStream(userStream('twin'))
    expect(user.events.map((e) => e.type)).toEqual(['UserWasRegistered'])
  })

  it('completes a registration whose writer stopped after claiming the email', async () => {
    // Given a claim on an email whose user was never registered (a crash between the two appends)
    const { store } = writerList()[0]!
    const email = 'crashed@example.com'
    await store.append(
      userEmailStream(email),
      [{ type: 'UserEmailWasClaimed', data: { user_id: 'crashed', name: 'Lost', email } }],
      { expectedVersion: 'no-stream' },
    )
    // When someone else registers that email
    const result = await registerUser({ store })(register('newcomer', email))
    // Then the claimed user is registered, and the newcomer registers again on it
    expect(result.ok).toBe(true)
    expect((result as CommandSuccess).events.map((e) => [e.streamId, e.type])).toEqual([
      [userStream('crashed'), 'UserWasRegisteredAgain'],
    ])
    const crashed = await store.readStream(userStream('crashed'))
    expect(crashed.events.map((e) => e.type)).toEqual(['UserWasRegistered', 'UserWasRegisteredAgain'])
    expect((await store.readStream(userStream('newcomer'))).exists).toBe(false)
  })

  it('takes over a stale claim whose user holds another email', async () => {
    // Given a claim on an email by a user who ended up registered with another one
    const { store } = writerList()[1]!
    const email = 'stale@example.com'
    await store.append(userEmailStream(email), [
      { type: 'UserEmailWasClaimed', data: { user_id: 'elsewhere', name: 'E', email } },
    ])
    await store.append(userStream('elsewhere'), [
      { type: 'UserWasRegistered', data: { user_id: 'elsewhere', name: 'E', email: 'other@example.com' } },
    ])
    // When a new user registers the email
    const result = await registerUser({ store })(register('rightful', email))
    // Then it is theirs
    expect(streamsOf([result])).toEqual([{ stream: userStream('rightful'), types: ['UserWasRegistered'] }])
    const claims = await store.readStream(userEmailStream(email))
    expect(claims.events.at(-1)?.data).toMatchObject({ user_id: 'rightful' })
  })

  it('refuses a payload that does not match the schema (VALIDATION)', async () => {
    const result = await registerUser({ store: writerList()[0]!.store })(register('bad id', 'x@example.com'))
    expect(result.ok === false && result.error.code).toBe('VALIDATION')
  })
}
