import { describe, expect, it } from 'vitest'
import {
  addDeadlineSchema,
  postTodoSchema,
  registerUserSchema,
  remindAssigneeSchema,
} from './command-schemas.js'

describe('command schemas', () => {
  it('normalises dates with a time zone to UTC ISO strings', () => {
    const parsed = addDeadlineSchema.parse({
      todo_id: 't',
      user_id: 'u',
      deadline: '2030-01-01T10:00:00+02:00',
    })
    expect(parsed.deadline).toBe('2030-01-01T08:00:00.000Z')
    expect(remindAssigneeSchema.parse({ todo_id: 't', reminder: '2030-01-01T10:00:00Z' }).reminder).toBe(
      '2030-01-01T10:00:00.000Z',
    )
  })

  it('refuses dates without a time zone, impossible dates and plain dates', () => {
    for (const deadline of ['2030-01-01T10:00:00', '2030-02-30T10:00:00Z', '2030-01-01', 'tomorrow', 42])
      expect(addDeadlineSchema.safeParse({ todo_id: 't', user_id: 'u', deadline }).success).toBe(false)
  })

  it('trims the text and wants at least 3 characters left, at most 1000', () => {
    expect(postTodoSchema.parse({ assignee_id: 'u', todo_id: 't', text: '  abc  ' }).text).toBe('abc')
    for (const text of ['ab', '  ab  ', 'x'.repeat(1001), ''])
      expect(postTodoSchema.safeParse({ assignee_id: 'u', todo_id: 't', text }).success).toBe(false)
  })

  it('accepts ids of 1-100 of A-Z a-z 0-9 _ - (a UUID fits), nothing else', () => {
    const ok = ['a', 'A_b-9', '0190a5b2-8c6e-7cc1-a3a4-5b0e3c0e9d11', 'x'.repeat(100)]
    const bad = ['', 'x'.repeat(101), 'a b', 'a/b', 'é', 7]
    for (const todo_id of ok)
      expect(postTodoSchema.safeParse({ assignee_id: 'u', todo_id, text: 'abc' }).success).toBe(true)
    for (const todo_id of bad)
      expect(postTodoSchema.safeParse({ assignee_id: 'u', todo_id, text: 'abc' }).success).toBe(false)
  })

  it('wants a valid email and a name of 1-100 characters', () => {
    const user = { user_id: 'u', name: 'Ada', email: 'ada@example.com' }
    expect(registerUserSchema.safeParse(user).success).toBe(true)
    expect(registerUserSchema.safeParse({ ...user, email: 'ada' }).success).toBe(false)
    expect(registerUserSchema.safeParse({ ...user, name: '  ' }).success).toBe(false)
    expect(registerUserSchema.safeParse({ ...user, name: 'x'.repeat(101) }).success).toBe(false)
  })

  it('refuses unknown and missing fields', () => {
    expect(
      registerUserSchema.safeParse({ user_id: 'u', name: 'Ada', email: 'a@b.co', admin: true }).success,
    ).toBe(false)
    expect(postTodoSchema.safeParse({ todo_id: 't', text: 'abc' }).success).toBe(false)
  })
})
