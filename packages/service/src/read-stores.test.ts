import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openReadStores } from './read-stores.js'

describe('openReadStores', () => {
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  })

  it('opens documents and timers in the SQLite file the URL names, and they survive a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acta-read-stores-'))
    dirs.push(dir)
    const url = `sqlite:${join(dir, 'acta.db')}`
    const first = await openReadStores(url)
    await first.documents.collection('users').put('u1', { name: 'Ada' })
    await first.schedules.schedule({
      id: 't1',
      dueAt: new Date(Date.now() + 60_000),
      payload: { type: 'x', data: {} },
    })
    await first.close()

    const second = await openReadStores(url)
    expect(await second.documents.collection('users').get('u1')).toEqual({ name: 'Ada' })
    expect((await second.schedules.pending()).map((entry) => entry.id)).toEqual(['t1'])
    await second.close()
  })

  it('opens fresh in-memory stores for memory', async () => {
    const stores = await openReadStores('memory')
    expect(await stores.documents.collection('users').get('u1')).toBeUndefined()
    await stores.close()
  })

  it('refuses a URL it cannot open, naming the accepted forms', async () => {
    const opening = openReadStores('mysql://localhost/acta')
    await expect(opening).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(opening).rejects.toThrow('sqlite:<path>, postgres://… or memory')
  })
})
