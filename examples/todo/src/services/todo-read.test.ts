import { describe, expect, it } from 'vitest'
import { todoStream, userStream } from '../shared/messages.js'
import { readServiceFixture } from './read-service.fixture.js'
import { todoReadService } from './todo-read.js'

const { record, get } = readServiceFixture(todoReadService())
const deadline = '2031-01-01T10:00:00.000Z'
const reminder = '2030-12-31T10:00:00.000Z'

describe('todo-read', () => {
  it('shows a todo with its status, deadline and reminder as they change', async () => {
    // Given a user and a todo of theirs
    await record(userStream('u-1'), {
      type: 'UserWasRegistered',
      data: { user_id: 'u-1', name: 'Ann', email: 'ann@example.com' },
    })
    const posted = await record(todoStream('t-1'), {
      type: 'TodoWasPosted',
      data: { todo_id: 't-1', assignee_id: 'u-1', text: 'water the plants', status: 'OPEN' },
    })
    // Then it is OPEN, without deadline or reminder
    expect((await get(`/api/todos/t-1?after=${posted}`)).body).toEqual({
      todo_id: 't-1',
      assignee_id: 'u-1',
      text: 'water the plants',
      status: 'OPEN',
      deadline: null,
      reminder: null,
    })

    // When a deadline and a reminder are added and it expires
    const expired = await record(
      todoStream('t-1'),
      { type: 'DeadlineWasAddedToTodo', data: { todo_id: 't-1', user_id: 'u-1', deadline } },
      { type: 'ReminderWasAddedToTodo', data: { todo_id: 't-1', user_id: 'u-1', reminder } },
      {
        type: 'TodoWasMarkedAsExpired',
        data: { todo_id: 't-1', assignee_id: 'u-1', old_status: 'OPEN', new_status: 'EXPIRED' },
      },
    )
    // Then it shows them
    expect((await get(`/api/todos/t-1?after=${expired}`)).body).toMatchObject({
      status: 'EXPIRED',
      deadline,
      reminder,
    })

    // When a deadline is added again, which unmarks it, and it is done
    const done = await record(
      todoStream('t-1'),
      {
        type: 'TodoWasUnmarkedAsExpired',
        data: { todo_id: 't-1', assignee_id: 'u-1', old_status: 'EXPIRED', new_status: 'OPEN' },
      },
      {
        type: 'TodoWasMarkedAsDone',
        data: { todo_id: 't-1', assignee_id: 'u-1', old_status: 'OPEN', new_status: 'DONE' },
      },
    )
    expect((await get(`/api/todos/t-1?after=${done}`)).body).toMatchObject({ status: 'DONE' })
    // and reopened
    const reopened = await record(todoStream('t-1'), {
      type: 'TodoWasReopened',
      data: { todo_id: 't-1', assignee_id: 'u-1', status: 'OPEN' },
    })
    expect((await get(`/api/todos/t-1?after=${reopened}`)).body).toMatchObject({ status: 'OPEN' })
  })

  it('lists the todos of a user in the order they were posted, [] for a user without any', async () => {
    // Given a user with three todos posted z, a, m, and a user without todos
    await record(userStream('u-list'), {
      type: 'UserWasRegistered',
      data: { user_id: 'u-list', name: 'Lis', email: 'lis@example.com' },
    })
    await record(userStream('u-none'), {
      type: 'UserWasRegistered',
      data: { user_id: 'u-none', name: 'Nob', email: 'nob@example.com' },
    })
    let last = 0
    for (const todo_id of ['z', 'a', 'm'])
      last = await record(todoStream(todo_id), {
        type: 'TodoWasPosted',
        data: { todo_id, assignee_id: 'u-list', text: `todo ${todo_id}`, status: 'OPEN' },
      })
    // Then
    const listed = await get(`/api/users/u-list/todos?after=${last}`)
    expect((listed.body as { todo_id: string }[]).map((todo) => todo.todo_id)).toEqual(['z', 'a', 'm'])
    expect(listed.body).toContainEqual({
      todo_id: 'a',
      assignee_id: 'u-list',
      text: 'todo a',
      status: 'OPEN',
      deadline: null,
      reminder: null,
    })
    expect((await get('/api/users/u-none/todos')).body).toEqual([])
  })

  it('answers 404 problem+json for an unknown todo and for the todos of an unknown user', async () => {
    for (const path of ['/api/todos/nothing', '/api/users/nobody/todos']) {
      const { status, type, body } = await get(path)
      expect({ path, status, type }).toEqual({
        path,
        status: 404,
        type: 'application/problem+json; charset=utf-8',
      })
      expect(body).toMatchObject({ code: 'NOT_FOUND' })
    }
  })

  it('refuses an after that is not a log position with 400', async () => {
    expect((await get('/api/todos/t-1?after=soon')).status).toBe(400)
  })
})
