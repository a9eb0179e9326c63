import { expect } from 'vitest'
import {
  accept,
  expectAccepted,
  freshId,
  postCommand,
  refuse,
  registeredUser,
} from './command-client.fixture.js'
import { issuePaths, userOf, type RuleCheck } from './rule-check.fixture.js'

/** The rules of register-user, checked over HTTP (see `ruleChecks`). */
export const userRuleChecks: readonly RuleCheck[] = [
  {
    name: 'registers a user: 202 with UserWasRegistered on user-<id> and its log position',
    async run(target) {
      const { user_id, email, accepted } = await registeredUser(target.baseUrl, 'Ada')
      expect(accepted.stream).toBe(`user-${user_id}`)
      expect(accepted.version).toBe(1)
      if (!target.reads) return
      const { status, body } = await userOf(target, user_id, accepted.position)
      expect(status).toBe(200)
      expect(body).toMatchObject({
        user_id,
        name: 'Ada',
        email,
        open_todos: 0,
        done_todos: 0,
        expired_todos: 0,
      })
    },
  },
  {
    name: 'registers an email in use again on the user who holds it (any case), creating no user',
    async run(target) {
      const { user_id, email } = await registeredUser(target.baseUrl)
      const other = freshId('user')
      const again = await accept(
        target.baseUrl,
        'register-user',
        { user_id: other, name: 'Someone', email: email.toUpperCase() },
        ['UserWasRegisteredAgain'],
      )
      expect(again.stream).toBe(`user-${user_id}`)
      const same = await accept(target.baseUrl, 'register-user', { user_id, name: 'Ada', email }, [
        'UserWasRegisteredAgain',
      ])
      expect(same.stream).toBe(`user-${user_id}`)
      if (!target.reads) return
      expect((await userOf(target, other, same.position)).status).toBe(404)
    },
  },
  {
    name: 'answers a registration replayed with the same Idempotency-Key with the first answer',
    async run({ baseUrl }) {
      const user_id = freshId('user')
      const body = { user_id, name: 'Ada', email: `${user_id}@example.com` }
      const headers = { 'content-type': 'application/json', 'idempotency-key': freshId('key') }
      const first = await expectAccepted(await postCommand(baseUrl, 'register-user', body, { headers }), [
        'UserWasRegistered',
      ])
      const replay = await expectAccepted(await postCommand(baseUrl, 'register-user', body, { headers }), [
        'UserWasRegistered',
      ])
      expect(replay).toEqual(first)
    },
  },
  {
    name: 'refuses an existing user id with another email (409) and keeps the user as it was',
    async run(target) {
      const { user_id, email, accepted } = await registeredUser(target.baseUrl)
      const problem = await refuse(
        target.baseUrl,
        'register-user',
        { user_id, name: 'Ada', email: `other-${email}` },
        409,
      )
      expect(problem.detail).toMatch(/another email/)
      if (!target.reads) return
      expect((await userOf(target, user_id, accepted.position)).body).toMatchObject({ email })
    },
  },
  {
    name: 'refuses a malformed registration (400 listing every issue)',
    async run({ baseUrl }) {
      const problem = await refuse(baseUrl, 'register-user', { user_id: 'a b', name: '', email: 'nope' }, 400)
      expect(issuePaths(problem).sort()).toEqual(['body/email', 'body/name', 'body/user_id'])
    },
  },
]
