import { describe, expect, it } from 'vitest'
import { userStream, todoStream, type DomainEvent } from '../shared/messages.js'
import { readServiceFixture } from './read-service.fixture.js'
import { userReadService } from './user-read.js'

const fixture = readServiceFixture(userReadService())
const { record, get } = fixture
const register = (user_id: string, name: string) =>
  record(userStream(user_id), {
    type: 'UserWasRegistered',
    data: { user_id, name, email: `${user_id}@example.com` },
  })

describe('user-read', () => {
  it('lists users sorted by name, with their todo counts following the todo events', async () => {
    // Given two users and todos of one of them, posted, done, reopened, expired and unmarked
    await register('u-b', 'Zoe')
    await register('u-a', 'Adam')
    const posted = (todo_id: string): DomainEvent => ({
      type: 'TodoWasPosted',
      data: { todo_id, assignee_id: 'u-b', text: 'buy milk', status: 'OPEN' },
    })
    await record(todoStream('t-1'), posted('t-1'), {
      type: 'TodoWasMarkedAsDone',
      data: { todo_id: 't-1', assignee_id: 'u-b', old_status: 'OPEN', new_status: 'DONE' },
    })
    await record(todoStream('t-2'), posted('t-2'), {
      type: 'TodoWasMarkedAsExpired',
      data: { todo_id: 't-2', assignee_id: 'u-b', old_status: 'OPEN', new_status: 'EXPIRED' },
    })
    const last = await record(todoStream('t-3'), posted('t-3'), posted('t-4'))
    // When the list is read after the last write
    const { status, body } = await get(`/api/users?after=${last}`)
    // Then Adam comes first, and Zoe has 2 open, 1 done and 1 expired todo
    expect(status).toBe(200)
    expect(body).toEqual([
      {
        user_id: 'u-a',
        name: 'Adam',
        email: 'u-a@example.com',
        open_todos: 0,
        done_todos: 0,
        expired_todos: 0,
      },
      {
        user_id: 'u-b',
        name: 'Zoe',
        email: 'u-b@example.com',
        open_todos: 2,
        done_todos: 1,
        expired_todos: 1,
      },
    ])

    // When t-1 is reopened and t-2 unmarked as expired
    await record(todoStream('t-1'), {
      type: 'TodoWasReopened',
      data: { todo_id: 't-1', assignee_id: 'u-b', status: 'OPEN' },
    })
    const unmarked = await record(todoStream('t-2'), {
      type: 'TodoWasUnmarkedAsExpired',
      data: { todo_id: 't-2', assignee_id: 'u-b', old_status: 'EXPIRED', new_status: 'OPEN' },
    })
    // Then all four are open
    expect((await get(`/api/users/u-b?after=${unmarked}`)).body).toMatchObject({
      open_todos: 4,
      done_todos: 0,
      expired_todos: 0,
    })
  })

  it('keeps the first name when an email is registered again', async () => {
    // Given a user registered, then registered again under another name
    await register('u-again', 'First')
    const again = await record(userStream('u-again'), {
      type: 'UserWasRegisteredAgain',
      data: { user_id: 'u-again', name: 'Second', email: 'u-again@example.com' },
    })
    // Then the user keeps the first name
    expect((await get(`/api/users/u-again?after=${again}`)).body).toMatchObject({ name: 'First' })
  })

  it('answers 404 problem+json for a user never registered', async () => {
    const { status, type, body } = await get('/api/users/nobody')
    expect(status).toBe(404)
    expect(type).toMatch(/^application\/problem\+json/)
    expect(body).toMatchObject({ status: 404, code: 'NOT_FOUND', user_id: 'nobody' })
  })

  it('refuses an after that is not a log position with 400 problem+json', async () => {
    for (const after of ['-1', 'abc', '1.5', '']) {
      const { status, type } = await get(`/api/users?after=${after}`)
      expect({ after, status, type }).toEqual({
        after,
        status: 400,
        type: 'application/problem+json; charset=utf-8',
      })
    }
  })

  it('shows the projection lag on /metrics', async () => {
    const metrics = await (await fetch(`${fixture.service.url}/metrics`)).text()
    expect(metrics).toMatch(/acta_projection_lag_events\{[^}]*projection="user_list"/)
  })
})
