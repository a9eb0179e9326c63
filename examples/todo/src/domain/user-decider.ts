import { ActaError, type Command, type Decider } from '@acta/core'
import type { UserEvent } from '../shared/messages.js'
import type { RegisterUserInput } from './command-schemas.js'

/** register-user as the user decider sees it: the validated payload. */
export type RegisterUser = Command<'register-user', RegisterUserInput>

/** One user as folded from `user-<id>`. */
export type UserState =
  | { readonly registered: false }
  | { readonly registered: true; readonly user_id: string; readonly name: string; readonly email: string }

/** Emails are compared without regard to case (`Ada@Example.com` is `ada@example.com`). */
export function sameEmail(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/**
 * The user of one stream. A new id registers the user; the same id with the same email (in any
 * case) registers again on it — recorded with the name given now and the email as first recorded;
 * the same id with another email is refused (CONFLICT). Email uniqueness across users is the
 * register-user handler's job (it picks the stream), not this decider's.
 *
 * @example
 * deciderSpec(userDecider).given([]).when(registerUser).then([{ type: 'UserWasRegistered', data }])
 */
export const userDecider: Decider<RegisterUser, UserEvent, UserState> = {
  initialState: () => ({ registered: false }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'UserWasRegistered':
        return { registered: true, ...event.data }
      case 'UserWasRegisteredAgain':
        return state
    }
  },
  decide: ({ data }, state) => {
    if (!state.registered) return [{ type: 'UserWasRegistered', data }]
    if (!sameEmail(state.email, data.email))
      throw new ActaError('CONFLICT', `User ${state.user_id} is registered with another email`, {
        details: { user_id: state.user_id },
      })
    return [
      {
        type: 'UserWasRegisteredAgain',
        data: { user_id: state.user_id, name: data.name, email: state.email },
      },
    ]
  },
}
