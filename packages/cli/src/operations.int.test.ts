import { randomBytes } from 'node:crypto'
import type { ProjectionStatus, ReadSide } from '@acta/core'
import { createReadSide, defineProjection } from '@acta/core'
import { dropPostgresSchema, probePostgres } from '@acta/postgres'
import { openInfrastructure, openReadStores } from '@acta/service'
import { serviceGate } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, jsonLines } from './run-cli.fixture.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
// a schema of this run only
const schema = `acta_cli_${randomBytes(5).toString('hex')}`
const databaseUrl = new URL(url)
databaseUrl.searchParams.set('schema', schema)

const until = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(!postgres.available)('the operational commands on PostgreSQL', () => {
  let infrastructure: Awaited<ReturnType<typeof openInfrastructure>>
  let readStores: Awaited<ReturnType<typeof openReadStores>>
  let readSide: ReadSide
  const acta = (...argv: string[]) => cli([...argv, '--database-url', databaseUrl.toString()])
  const list = async () =>
    JSON.parse((await acta('projections', 'list', '--json')).stdout) as ProjectionStatus[]

  beforeAll(async () => {
    // Given a service's read side running one projection over a few events
    infrastructure = await openInfrastructure({ databaseUrl: databaseUrl.toString(), transportUrl: 'memory' })
    readStores = await openReadStores(databaseUrl.toString())
    for (let i = 1; i <= 40; i++) {
      await infrastructure.store.append(`order-${i % 5}`, [{ type: 'OrderPlaced', data: { i } }])
    }
    readSide = createReadSide({
      store: infrastructure.store,
      documents: readStores.documents,
      leases: infrastructure.leases,
      leaseTtlMs: 1000,
    })
    readSide.register(
      defineProjection({
        name: 'orders',
        version: 1,
        collections: { orders: {} },
        handlers: {
          OrderPlaced: async (event, ctx) => {
            await ctx.collection('orders').put(event.streamId, { last: (event.data as { i: number }).i })
          },
        },
      }),
    )
    await readSide.start()
  })
  afterAll(async () => {
    await readSide?.stop()
    await readStores?.close()
    await infrastructure?.close()
    await dropPostgresSchema(url, schema)
  })

  it('lists the projection another process runs', async () => {
    await until(async () => (await list())[0]?.state === 'running')
    expect(await list()).toEqual([
      expect.objectContaining({
        name: 'orders',
        position: 40,
        headPosition: 40,
        lagEvents: 0,
        activeBuild: 1,
      }),
    ])
  })

  it('tails the last events without following', async () => {
    const { code, stdout } = await acta('events', 'tail', '--no-follow', '--json', '--last', '3')
    expect(code).toBe(0)
    expect((jsonLines(stdout) as { position: number; data: unknown }[]).map((e) => e.data)).toEqual([
      { i: 38 },
      { i: 39 },
      { i: 40 },
    ])
  })

  it('rebuilds the projection until the new build is active', async () => {
    const { code, stdout } = await acta('projections', 'rebuild', 'orders', '--poll-ms', '50')
    expect(code).toBe(0)
    expect(stdout).toBe('Build 2 of orders is active.\n')
    expect((await list())[0]?.activeBuild).toBe(2)
  })
})
