import { describe, expect, it } from 'vitest'
import { isUuid, uuidv7 } from './ids.js'

describe('uuidv7', () => {
  it('makes valid, unique, time-ordered version 7 ids', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + i))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) {
      expect(isUuid(id)).toBe(true)
      expect(id[14]).toBe('7')
      expect('89ab').toContain(id[19])
    }
    expect([...ids].sort()).toEqual(ids)
    expect(ids[0]!.startsWith('018bcfe5-6800')).toBe(true)
  })

  it('recognises UUIDs of any version and nothing else', () => {
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true)
    expect(isUuid('123E4567-E89B-12D3-A456-426614174000')).toBe(true)
    expect(isUuid('123e4567e89b12d3a456426614174000')).toBe(false)
    expect(isUuid("' OR 1=1 --")).toBe(false)
    expect(isUuid(42)).toBe(false)
  })
})
