import { expect } from 'vitest'
import { expectActaError } from './event-store-assertions.js'
import type { DocumentSuiteContext } from './document-store-suite.js'

/** Fenced checkpoints (claim, save, reset, delete, list) and the active build of each projection. */
export function checkpointTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx

  test('loads undefined for a checkpoint never claimed', async () => {
    const store = ctx.store()
    expect(await store.loadCheckpoint('todos@1')).toBeUndefined()
    expect(await store.checkpoints()).toEqual([])
  })

  test('claims a new checkpoint at position 0 with epoch 1, and bumps the epoch on each claim', async () => {
    const store = ctx.store()
    const before = Date.now()
    const first = await store.claimCheckpoint('todos@1')
    expect(first).toMatchObject({ name: 'todos@1', position: 0, epoch: 1 })
    expect(first.updatedAt).toBeInstanceOf(Date)
    expect(first.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000)
    await store.transaction((tx) => tx.saveCheckpoint('todos@1', 42, 1))
    const second = await store.claimCheckpoint('todos@1')
    expect(second).toMatchObject({ name: 'todos@1', position: 42, epoch: 2 })
    expect((await store.claimCheckpoint('todos@1')).epoch).toBe(3)
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 42, epoch: 3 })
    expect(await store.claimCheckpoint('users@1')).toMatchObject({ position: 0, epoch: 1 })
  })

  test('moves a checkpoint with the current epoch, keeping the last save of a transaction', async () => {
    const store = ctx.store()
    const { epoch } = await store.claimCheckpoint('todos@1')
    await store.transaction((tx) => tx.saveCheckpoint('todos@1', 500, epoch))
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ name: 'todos@1', position: 500, epoch })
    await store.transaction(async (tx) => {
      await tx.saveCheckpoint('todos@1', 1_000, epoch)
      await tx.saveCheckpoint('todos@1', Number.MAX_SAFE_INTEGER, epoch)
    })
    const loaded = await store.loadCheckpoint('todos@1')
    expect(loaded).toMatchObject({ position: Number.MAX_SAFE_INTEGER, epoch })
    expect(loaded!.updatedAt).toBeInstanceOf(Date)
  })

  test('refuses a save with a stale epoch and commits none of the transaction', async () => {
    const store = ctx.store()
    const old = await store.claimCheckpoint('todos@1')
    await store.transaction((tx) => tx.saveCheckpoint('todos@1', 10, old.epoch))
    const current = await store.claimCheckpoint('todos@1')
    const error = await expectActaError(
      store.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { text: 'from the fenced owner' })
        await tx.setActiveBuild('todos', 1)
        await tx.saveCheckpoint('todos@1', 20, old.epoch)
      }),
      'CONFLICT',
    )
    expect(error.details).toMatchObject({ checkpoint: 'todos@1', epoch: old.epoch })
    expect(await store.collection('todos').get('t-1')).toBeUndefined()
    expect(await store.activeBuild('todos')).toBeUndefined()
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 10, epoch: current.epoch })
    await store.transaction((tx) => tx.saveCheckpoint('todos@1', 30, current.epoch))
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 30 })
  })

  test('rolls back a transaction whose fenced save the work caught', async () => {
    const store = ctx.store()
    const old = await store.claimCheckpoint('todos@1')
    await store.claimCheckpoint('todos@1')
    await expectActaError(
      store.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { text: 'a' })
        await tx.saveCheckpoint('todos@1', 20, old.epoch).catch(() => undefined)
        await tx.collection('todos').put('t-2', { text: 'b' })
      }),
      'CONFLICT',
    )
    expect(await store.collection('todos').count()).toBe(0)
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 0, epoch: 2 })
  })

  test('refuses a save to a checkpoint that was never claimed', async () => {
    const store = ctx.store()
    await expectActaError(
      store.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { text: 'a' })
        await tx.saveCheckpoint('todos@1', 5, 1)
      }),
      'CONFLICT',
    )
    expect(await store.loadCheckpoint('todos@1')).toBeUndefined()
    expect(await store.collection('todos').count()).toBe(0)
  })

  test('resets a checkpoint to a position and bumps its epoch', async () => {
    const store = ctx.store()
    const { epoch } = await store.claimCheckpoint('todos@1')
    await store.transaction((tx) => tx.saveCheckpoint('todos@1', 300, epoch))
    expect(await store.resetCheckpoint('todos@1')).toMatchObject({ name: 'todos@1', position: 0, epoch: 2 })
    expect(await store.resetCheckpoint('todos@1', 120)).toMatchObject({ position: 120, epoch: 3 })
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 120, epoch: 3 })
    await expectActaError(
      store.transaction((tx) => tx.saveCheckpoint('todos@1', 400, epoch)),
      'CONFLICT',
    )
    expect(await store.resetCheckpoint('new@1', 7)).toMatchObject({ position: 7, epoch: 1 })
  })

  test('deletes a checkpoint', async () => {
    const store = ctx.store()
    await store.claimCheckpoint('todos@1')
    await store.claimCheckpoint('todos@2')
    await store.deleteCheckpoint('todos@1')
    await store.deleteCheckpoint('never@1')
    expect(await store.loadCheckpoint('todos@1')).toBeUndefined()
    expect((await store.checkpoints()).map((c) => c.name)).toEqual(['todos@2'])
  })

  test('lists every checkpoint by name', async () => {
    const store = ctx.store()
    for (const name of ['users@1', 'todos@10', 'todos@2', 'Todos@1']) await store.claimCheckpoint(name)
    await store.claimCheckpoint('todos@2')
    const listed = await store.checkpoints()
    expect(listed.map(({ name, position, epoch }) => ({ name, position, epoch }))).toEqual([
      { name: 'Todos@1', position: 0, epoch: 1 },
      { name: 'todos@10', position: 0, epoch: 1 },
      { name: 'todos@2', position: 0, epoch: 2 },
      { name: 'users@1', position: 0, epoch: 1 },
    ])
    for (const checkpoint of listed) expect(checkpoint.updatedAt).toBeInstanceOf(Date)
  })

  test('sets the active build in a transaction: visible after commit, gone on rollback', async () => {
    const store = ctx.store()
    expect(await store.activeBuild('todos')).toBeUndefined()
    await store.transaction((tx) => tx.setActiveBuild('todos', 1))
    expect(await store.activeBuild('todos')).toBe(1)
    await store
      .transaction(async (tx) => {
        await tx.setActiveBuild('todos', 2)
        throw new Error('switch failed')
      })
      .catch(() => undefined)
    expect(await store.activeBuild('todos')).toBe(1)
    await store.transaction(async (tx) => {
      await tx.setActiveBuild('todos', 2)
      await tx.setActiveBuild('users', 7)
    })
    expect(await store.activeBuild('todos')).toBe(2)
    expect(await store.activeBuild('users')).toBe(7)
    expect(await store.activeBuild('unknown')).toBeUndefined()
  })
}
