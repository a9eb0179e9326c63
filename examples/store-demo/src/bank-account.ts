import { ActaError, type Command, type Decider, type Event } from '@acta/core'

export type AccountCommand =
  | Command<'OpenAccount', { accountId: string; owner: string }>
  | Command<'Deposit', { accountId: string; amount: number }>
  | Command<'Withdraw', { accountId: string; amount: number }>

export type AccountEvent =
  | Event<'AccountOpened', { accountId: string; owner: string }>
  | Event<'MoneyDeposited', { accountId: string; amount: number }>
  | Event<'MoneyWithdrawn', { accountId: string; amount: number }>

export interface Account {
  status: 'none' | 'open'
  owner: string
  balance: number
}

/** A bank account: opened once, deposits must be positive, no overdraft. */
export const bankAccount: Decider<AccountCommand, AccountEvent, Account> = {
  initialState: () => ({ status: 'none', owner: '', balance: 0 }),
  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', owner: event.data.owner, balance: 0 }
      case 'MoneyDeposited':
        return { ...state, balance: state.balance + event.data.amount }
      case 'MoneyWithdrawn':
        return { ...state, balance: state.balance - event.data.amount }
    }
  },
  decide(command, state) {
    if (command.type === 'OpenAccount') {
      if (state.status === 'open') throw new ActaError('CONFLICT', 'The account is already open')
      return { type: 'AccountOpened', data: command.data }
    }
    if (state.status !== 'open') throw new ActaError('NOT_FOUND', `No account ${command.data.accountId}`)
    if (!(command.data.amount > 0)) throw new ActaError('VALIDATION', 'The amount must be positive')
    if (command.type === 'Deposit') return { type: 'MoneyDeposited', data: command.data }
    if (command.data.amount > state.balance) {
      throw new ActaError(
        'CONFLICT',
        `Insufficient funds: balance ${state.balance}, asked ${command.data.amount}`,
      )
    }
    return { type: 'MoneyWithdrawn', data: command.data }
  },
}
