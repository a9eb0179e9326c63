import { ActaError, type Command, type Decider, type Event } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { deciderSpec } from './decider-spec.js'

type Deposit = Command<'Deposit', { amount: number }>
type Deposited = Event<'Deposited', { amount: number }>
const account: Decider<Deposit, Deposited, { balance: number }> = {
  initialState: () => ({ balance: 0 }),
  evolve: (s, e) => ({ balance: s.balance + e.data.amount }),
  decide: (c, s) => {
    if (c.data.amount <= 0) throw new ActaError('VALIDATION', 'amount must be positive')
    if (s.balance + c.data.amount > 100) throw new ActaError('CONFLICT', 'limit of 100 reached')
    return c.data.amount === 0 ? [] : { type: 'Deposited', data: c.data }
  },
}
const deposit = (amount: number): Deposit => ({ type: 'Deposit', data: { amount } })
const deposited = (amount: number): Deposited => ({ type: 'Deposited', data: { amount } })
const spec = deciderSpec(account)

describe('deciderSpec', () => {
  it('passes when the decided events match', () => {
    spec
      .given([deposited(10)])
      .when(deposit(5))
      .then([deposited(5)])
    spec
      .given([])
      .when(deposit(5))
      .thenState((s) => expect(s.balance).toBe(5))
  })

  it('fails when the decided events differ', () => {
    expect(() =>
      spec
        .given([])
        .when(deposit(5))
        .then([deposited(6)]),
    ).toThrow()
    expect(() => spec.given([]).when(deposit(5)).thenNothingHappens()).toThrow()
  })

  it('checks refusals by code and message', () => {
    const error = spec
      .given([deposited(90)])
      .when(deposit(20))
      .thenThrows('CONFLICT', /limit/)
    expect(error.details).toEqual({})
    expect(() => spec.given([]).when(deposit(20)).thenThrows('CONFLICT')).toThrow(/expected CONFLICT/)
    expect(() => spec.given([]).when(deposit(-1)).thenThrows('CONFLICT')).toThrow()
  })
})
