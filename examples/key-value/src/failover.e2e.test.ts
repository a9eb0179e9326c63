import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from './fleet.js'

describe('a fleet that loses a replica', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acta-key-value-failover-'))
  let fleet: Fleet
  beforeAll(async () => {
    fleet = await startFleet({
      env: {
        ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
        ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      },
      gatewayLogger: { info: () => {}, warn: () => {}, error: () => {} },
    })
  }, 120_000)
  afterAll(async () => {
    await fleet?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps taking writes through the gateway while replicas are killed one by one, whichever ran the relay', async () => {
    const put = (key: string) => fetch(`${fleet.url}/values/${key}`, { method: 'PUT', body: 'still here' })
    expect((await put('before')).status).toBe(200)

    for (const victim of fleet.replicas.slice(0, 2)) {
      const exited = once(victim.process, 'exit')
      victim.process.kill('SIGKILL')
      await exited
      const key = `after-${victim.name}`
      // the outbox relay's lease (3 s) has to move if the victim held it; until then writes time out
      await eventually(
        async () => (await put(key)).status === 200,
        30_000,
        `a write after ${victim.name} died`,
      )
      const survivor = fleet.replicas[2]!
      expect(await (await fetch(`${survivor.url}/values/${key}`)).json()).toEqual({
        key,
        value: 'still here',
      })
      expect(await (await fetch(`${survivor.url}/values/before`)).json()).toEqual({
        key: 'before',
        value: 'still here',
      })
    }
  })
})
