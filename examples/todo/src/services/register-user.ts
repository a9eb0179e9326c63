import {
  ActaError,
  commandHandler,
  evolveAll,
  isActaError,
  isConcurrencyError,
  nameBasedUuid,
  uuidv7,
  type Command,
  type CommandResult,
  type EventStore,
  type Metadata,
  type StoredEvent,
} from '@acta/core'
import { z } from 'zod'
import { registerUserSchema, type RegisterUserInput } from '../domain/command-schemas.js'
import { sameEmail, userDecider, type RegisterUser, type UserState } from '../domain/user-decider.js'
import { userEmailStream, userStream, type UserEmailWasClaimed, type UserEvent } from '../shared/messages.js'

export interface RegisterUserOptions {
  store: EventStore
  /** How many times a decision is taken again after a concurrent change. Default 20. */
  attempts?: number
}

type Result = CommandResult<UserEvent, UserState>
type Claim = StoredEvent<UserEmailWasClaimed>

/**
 * register-user with emails unique across users, without a transaction over two streams. Each
 * email has a claim stream (`user_email-<sha256>`) naming its owner:
 * - claimed by a registered user holding that email: UserWasRegisteredAgain on that user, whatever
 *   id the request gave (no second user);
 * - claimed by a user not registered yet (a registration under way, or one that crashed between
 *   its two appends): that registration is completed first — its UserWasRegistered has an id
 *   derived from the claim's, so both writers append the same event once — then decided again;
 * - otherwise `user-<id>` decides (again with the same email, 409 with another), or, for a new id,
 *   the email is claimed with an expected version, then UserWasRegistered appended on a new stream.
 * A concurrency error anywhere takes the whole decision again (bounded). A request replayed with
 * the same Idempotency-Key (the command's messageId) answers what the first one recorded: its
 * claim's id and its events' ids derive from the key, and the store returns the first append.
 *
 * @example
 * const register = registerUser({ store })
 * const result = await register({ type: 'register-user', data: { user_id: 'u-1', name: 'Ada', email: 'ada@example.com' } })
 */
export function registerUser(options: RegisterUserOptions): (command: Command) => Promise<Result> {
  const { store } = options
  const attempts = options.attempts ?? 20
  const handle = commandHandler({ decider: userDecider, store, streamId: (c) => userStream(c.data.user_id) })

  return async (command) => {
    const parsed = z.object(registerUserSchema.shape).safeParse(command.data)
    if (!parsed.success)
      return {
        ok: false,
        error: new ActaError('VALIDATION', `Invalid register-user: ${z.prettifyError(parsed.error)}`),
      }
    const messageId = command.metadata?.messageId ?? uuidv7()
    // the same metadata a commandHandler gives its events: correlation, causation, the command's type
    const { correlationId, traceparent, tracestate } = command.metadata ?? {}
    const metadata: Metadata = {
      correlationId: correlationId ?? messageId,
      causationId: messageId,
      commandType: command.type,
    }
    if (traceparent !== undefined) metadata.traceparent = traceparent
    if (tracestate !== undefined) metadata.tracestate = tracestate
    // with an Idempotency-Key, a claim's id is derived from it, so a replay finds its own claim
    const key = command.metadata?.messageId
    const claimId = (claimStream: string) =>
      key === undefined ? Promise.resolve(uuidv7()) : nameBasedUuid(`todo:claim:${claimStream}:${key}`)
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const result = await decideOnce(parsed.data)
        if (result === 'again' || (!result.ok && isConcurrencyError(result.error))) {
          await pause(attempt)
          continue
        }
        return result
      } catch (error) {
        if (isConcurrencyError(error)) {
          await pause(attempt)
          continue
        }
        if (isActaError(error)) return { ok: false, error }
        throw error
      }
    }
    return {
      ok: false,
      error: new ActaError('CONCURRENCY', 'The email or user changed too often meanwhile; try again'),
    }

    async function decideOnce(data: RegisterUserInput): Promise<Result | 'again'> {
      const claimStream = userEmailStream(data.email)
      const claims = await store.readStream(claimStream, { direction: 'backwards', limit: 1 })
      const claim = claims.events[0] as Claim | undefined
      const ownClaimId = await claimId(claimStream)
      // a replay of the request that made this claim: the registration it made (or completes),
      // whose event ids are derived from the claim, so the store answers with the first result
      if (claim && key !== undefined && claim.eventId === ownClaimId) return completeRegistration(claim)
      if (claim) {
        const owner = await loadUser(claim.data.user_id)
        if (!owner.registered) {
          await completeRegistration(claim)
          return 'again'
        }
        if (sameEmail(owner.email, data.email)) return registerOn(owner.user_id, data)
      }
      if ((await loadUser(data.user_id)).registered) return registerOn(data.user_id, data)
      const claimed = await store.append(
        claimStream,
        [{ type: 'UserEmailWasClaimed', data, eventId: ownClaimId, metadata }],
        { expectedVersion: claims.version },
      )
      return completeRegistration(claimed.events[0] as Claim)
    }

    /** The user decider on `user-<userId>`: registered again, or refused for another email. */
    function registerOn(userId: string, data: RegisterUserInput): Promise<Result> {
      const again: RegisterUser = {
        type: 'register-user',
        data: { ...data, user_id: userId },
        metadata: command.metadata,
      }
      return handle(again)
    }

    async function completeRegistration(claim: Claim): Promise<Result> {
      const { user_id, name, email } = claim.data
      const eventId = await nameBasedUuid(`todo:registration:${claim.eventId}`)
      const appended = await store.append(
        userStream(user_id),
        [{ type: 'UserWasRegistered', data: { user_id, name, email }, eventId, metadata }],
        { expectedVersion: 'no-stream' },
      )
      const events = appended.events as StoredEvent<UserEvent>[]
      return {
        ok: true,
        events,
        version: appended.version,
        position: appended.position,
        state: evolveAll(userDecider.evolve, userDecider.initialState(), events),
      }
    }
  }

  async function loadUser(userId: string): Promise<UserState> {
    const read = await store.readStream(userStream(userId))
    return evolveAll(userDecider.evolve, userDecider.initialState(), read.events as StoredEvent<UserEvent>[])
  }
}

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt, 10)))
