import type { CheckpointStore, InboxStore, LeaseStore } from '@acta/core'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { sleep } from './event-store-assertions.js'

export interface CoordinationUnderTest {
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
  dispose?: () => Promise<void>
}

export interface CoordinationSuiteOptions {
  create(): Promise<CoordinationUnderTest>
  exceptions?: Record<string, string>
}

/**
 * The one conformance suite for the coordination ports (checkpoints, leases, inbox), run by every adapter.
 *
 * @example
 * coordinationSuite('memory', { create: async () => memoryCoordination() })
 */
export function coordinationSuite(name: string, options: CoordinationSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions, 30_000)
  let c: CoordinationUnderTest | undefined
  const u = () => c!

  describe(`Coordination conformance: ${name}`, () => {
    beforeEach(async () => {
      c = await options.create()
    })
    afterEach(async () => {
      await c?.checkpoints.close()
      await c?.leases.close()
      await c?.inbox.close()
      await c?.dispose?.()
      c = undefined
    })

    test('saves and loads checkpoints by name', async () => {
      const { checkpoints } = u()
      expect(await checkpoints.load('relay')).toBeUndefined()
      expect(await checkpoints.save('relay', 42)).toBe(true)
      expect(await checkpoints.save('projection', Number.MAX_SAFE_INTEGER)).toBe(true)
      expect(await checkpoints.load('relay')).toBe(42)
      expect(await checkpoints.save('relay', 43)).toBe(true)
      expect(await checkpoints.load('relay')).toBe(43)
      expect(await checkpoints.load('projection')).toBe(Number.MAX_SAFE_INTEGER)
      expect(await checkpoints.load(`it's "odd" ✓`)).toBeUndefined()
    })

    test('saves a fenced checkpoint only while its lease is held', async () => {
      const { checkpoints, leases } = u()
      expect(await leases.acquire('relay', 'a', 60_000)).toBe(true)
      expect(await checkpoints.save('relay', 10, { lease: { name: 'relay', owner: 'a' } })).toBe(true)
      expect(await checkpoints.save('relay', 11, { lease: { name: 'relay', owner: 'b' } })).toBe(false)
      expect(await checkpoints.load('relay')).toBe(10)
      await leases.release('relay', 'a')
      expect(await checkpoints.save('relay', 12, { lease: { name: 'relay', owner: 'a' } })).toBe(false)
      expect(await checkpoints.load('relay')).toBe(10)
    })

    test('lists saved checkpoints by name with their position and last save time', async () => {
      const { checkpoints, leases } = u()
      expect(await checkpoints.list()).toEqual([])
      const before = Date.now()
      await checkpoints.save('b', 5)
      await checkpoints.save('a-1', 7)
      await checkpoints.save('Z', 1)
      expect(await leases.acquire('a', 'x', 60_000)).toBe(true)
      expect(await checkpoints.save('a', 3, { lease: { name: 'a', owner: 'y' } })).toBe(false)
      const first = await checkpoints.list()
      expect(first.map(({ name, position }) => ({ name, position }))).toEqual([
        { name: 'Z', position: 1 },
        { name: 'a-1', position: 7 },
        { name: 'b', position: 5 },
      ])
      for (const { updatedAt } of first) {
        expect(updatedAt).toBeInstanceOf(Date)
        // the database clock may be the server's: allow for skew, not for a wrong unit or epoch
        expect(Math.abs(updatedAt.getTime() - before)).toBeLessThan(60_000)
      }
      await sleep(20)
      await checkpoints.save('b', 6)
      const moved = (await checkpoints.list()).find((checkpoint) => checkpoint.name === 'b')
      expect(moved?.position).toBe(6)
      expect(moved!.updatedAt.getTime()).toBeGreaterThan(first[2]!.updatedAt.getTime())
    })

    test('lists the leases held, with owner and expiry, and not the released or expired ones', async () => {
      const { leases } = u()
      expect(await leases.list()).toEqual([])
      expect(await leases.acquire('relay', 'a', 60_000)).toBe(true)
      expect(await leases.acquire('log', 'b', 60_000)).toBe(true)
      expect(await leases.acquire('gone', 'c', 60_000)).toBe(true)
      expect(await leases.acquire('brief', 'd', 100)).toBe(true)
      await leases.release('gone', 'c')
      await sleep(200)
      const held = await leases.list()
      expect(held.map(({ name, owner }) => ({ name, owner }))).toEqual([
        { name: 'log', owner: 'b' },
        { name: 'relay', owner: 'a' },
      ])
      for (const { expiresAt } of held) expect(expiresAt.getTime()).toBeGreaterThan(Date.now())
    })

    test('grants a lease to one owner at a time and renews it for that owner', async () => {
      const { leases } = u()
      expect(await leases.acquire('relay', 'a', 60_000)).toBe(true)
      expect(await leases.acquire('relay', 'b', 60_000)).toBe(false)
      expect(await leases.acquire('relay', 'a', 60_000)).toBe(true)
      expect(await leases.acquire('other', 'b', 60_000)).toBe(true)
      const holder = await leases.holder('relay')
      expect(holder?.owner).toBe('a')
      expect(holder!.expiresAt.getTime()).toBeGreaterThan(Date.now())
      await leases.release('relay', 'b')
      expect((await leases.holder('relay'))?.owner).toBe('a')
      await leases.release('relay', 'a')
      expect(await leases.holder('relay')).toBeUndefined()
      expect(await leases.acquire('relay', 'b', 60_000)).toBe(true)
    })

    test('lets another owner take an expired lease', async () => {
      const { leases } = u()
      expect(await leases.acquire('relay', 'a', 150)).toBe(true)
      expect(await leases.acquire('relay', 'b', 150)).toBe(false)
      await sleep(250)
      expect(await leases.holder('relay')).toBeUndefined()
      expect(await leases.acquire('relay', 'b', 60_000)).toBe(true)
      expect(await leases.acquire('relay', 'a', 60_000)).toBe(false)
    })

    test('gives a contested lease to exactly one of many concurrent owners', async () => {
      const { leases } = u()
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => leases.acquire('hot', `o-${i}`, 60_000)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      expect((await leases.holder('hot'))?.owner).toBe(`o-${results.indexOf(true)}`)
    })

    test('records each message once per consumer', async () => {
      const { inbox } = u()
      expect(await inbox.has('mailer', 'm-1')).toBe(false)
      expect(await inbox.record('mailer', 'm-1')).toBe(true)
      expect(await inbox.record('mailer', 'm-1')).toBe(false)
      expect(await inbox.has('mailer', 'm-1')).toBe(true)
      expect(await inbox.has('audit', 'm-1')).toBe(false)
      expect(await inbox.record('audit', 'm-1')).toBe(true)
    })

    test('records a message once even when many record it at once', async () => {
      const { inbox } = u()
      const results = await Promise.all(Array.from({ length: 12 }, () => inbox.record('c', 'same')))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    test('prunes old inbox entries', async () => {
      const { inbox } = u()
      await inbox.record('c', 'old')
      await sleep(30)
      const cut = new Date()
      await sleep(30)
      await inbox.record('c', 'new')
      expect(await inbox.prune(cut)).toBe(1)
      expect(await inbox.has('c', 'old')).toBe(false)
      expect(await inbox.has('c', 'new')).toBe(true)
    })

    checkExceptions()
  })
}
