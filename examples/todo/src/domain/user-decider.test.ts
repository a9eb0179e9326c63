import { deciderSpec } from '@acta/testing'
import { describe, expect, it } from 'vitest'
import type { UserEvent } from '../shared/messages.js'
import { sameEmail, userDecider, type RegisterUser } from './user-decider.js'

const spec = deciderSpec(userDecider)
const register = (email = 'ada@example.com', name = 'Ada'): RegisterUser => ({
  type: 'register-user',
  data: { user_id: 'u-1', name, email },
})
const registered: UserEvent = {
  type: 'UserWasRegistered',
  data: { user_id: 'u-1', name: 'Ada', email: 'ada@example.com' },
}

describe('the user decider', () => {
  it('registers a new user', () => {
    spec.given([]).when(register()).then([registered])
  })

  it('registers again with the same email in any case, keeping the email first recorded', () => {
    spec
      .given([registered])
      .when(register('ADA@example.COM', 'Ada L.'))
      .then([
        {
          type: 'UserWasRegisteredAgain',
          data: { user_id: 'u-1', name: 'Ada L.', email: 'ada@example.com' },
        },
      ])
  })

  it('refuses an existing user id with another email (CONFLICT)', () => {
    spec
      .given([registered])
      .when(register('grace@example.com'))
      .thenThrows('CONFLICT', /another email/)
  })

  it('keeps the user as first registered after registering again', () => {
    spec
      .given([registered])
      .when(register('ada@example.com', 'Other'))
      .thenState((state) => expect(state).toEqual({ registered: true, ...registered.data }))
  })
})

describe('sameEmail', () => {
  it('compares without regard to case', () => {
    expect(sameEmail('Ada@Example.com', 'ada@example.COM')).toBe(true)
    expect(sameEmail('ada@example.com', 'ada@example.org')).toBe(false)
  })
})
