import { deciderSpec } from '@acta/testing'
import { describe, expect, it } from 'vitest'
import { keyProblem, keyValue, maxKeyLength, streamOf, valueProblem } from './key-value.js'

const spec = deciderSpec(keyValue)
const put = (key: string, value: string) => ({ type: 'PutValue' as const, data: { key, value } })
const remove = (key: string) => ({ type: 'DeleteValue' as const, data: { key } })
const wasPut = (key: string, value: string) => ({ type: 'ValueHasBeenPut' as const, data: { key, value } })

describe('the key-value decider', () => {
  it('records a put, whatever the key held before', () => {
    spec
      .given([])
      .when(put('k', 'v'))
      .then([wasPut('k', 'v')])
    spec
      .given([wasPut('k', 'old')])
      .when(put('k', 'v'))
      .then([wasPut('k', 'v')])
  })

  it('records a delete of a key that holds a value', () => {
    spec
      .given([wasPut('k', 'v')])
      .when(remove('k'))
      .then([{ type: 'ValueHasBeenDeleted', data: { key: 'k' } }])
  })

  it('records nothing for a delete of a missing or deleted key', () => {
    spec.given([]).when(remove('k')).thenNothingHappens()
    spec
      .given([wasPut('k', 'v'), { type: 'ValueHasBeenDeleted', data: { key: 'k' } }])
      .when(remove('k'))
      .thenNothingHappens()
  })

  it('refuses an empty value and a bad key', () => {
    spec.given([]).when(put('k', '')).thenThrows('VALIDATION', /empty/)
    spec.given([]).when(put('', 'v')).thenThrows('VALIDATION', /empty/)
    spec
      .given([])
      .when(remove('a\u0001'))
      .thenThrows('VALIDATION', /control/)
  })
})

describe('keys and values', () => {
  it('takes slashes, unicode and punctuation in keys, up to the length limit', () => {
    for (const key of ['a/b', 'clé 🗝', '100%', ' ', 'k'.repeat(maxKeyLength)])
      expect(keyProblem(key)).toBeUndefined()
    expect(keyProblem('k'.repeat(maxKeyLength + 1))).toMatch(/longer/)
    expect(keyProblem('tab\there')).toMatch(/control/)
    expect(keyProblem('del\u007f')).toMatch(/control/)
  })

  it('keeps every stream id within the store limit', () => {
    expect(streamOf('k'.repeat(maxKeyLength)).length).toBeLessThanOrEqual(512)
    expect(streamOf('a/b')).toBe('value-a/b')
  })

  it('refuses empty values and NUL characters', () => {
    expect(valueProblem('')).toMatch(/empty/)
    expect(valueProblem('a\u0000')).toMatch(/NUL/)
    expect(valueProblem(' ')).toBeUndefined()
  })
})
