import { startOutboxRelay, type OutboxRelay } from '@acta/core'
import type { ConsumerJson } from '@acta/dashboard'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('acta consumers', () => {
  let project: SqliteProject
  let relay: OutboxRelay
  const acta = (...argv: string[]) => project.inside(() => cli(argv))

  beforeAll(async () => {
    // Given a project with 12 events, a running relay that published them all, and a log
    // subscription's checkpoint left behind at 4
    project = await sqliteProject()
    for (let i = 0; i < 12; i++) await project.add(`counter-${i % 3}`, 'Counted')
    const { store, transport, checkpoints, leases } = project.infrastructure
    relay = startOutboxRelay({ store, transport, checkpoints, leases, owner: 'replica-000000000001' })
    await until(async () => (await checkpoints.load('outbox-relay')) === 12)
    await checkpoints.save('log', 4)
  })
  afterAll(async () => {
    await relay.stop()
    await project.close()
  })

  it('lists the consumers as JSON, shaped as the admin API answers them', async () => {
    const { code, stdout } = await acta('consumers', 'list', '--json')
    expect(code).toBe(0)
    const { consumers } = JSON.parse(stdout) as { consumers: ConsumerJson[] }
    expect(consumers.map((c) => [c.name, c.kind, c.position, c.headPosition, c.lagEvents])).toEqual([
      ['log', 'log-subscription', 4, 12, 8],
      ['outbox-relay', 'outbox-relay', 12, 12, 0],
    ])
    expect(consumers[0]?.holder).toBeUndefined()
    expect(consumers[1]?.holder).toMatchObject({ owner: 'replica-000000000001', alive: true })
    expect(Number.isNaN(Date.parse(consumers[1]!.updatedAt))).toBe(false)
  })

  it('lists the consumers as a table with their lag, last save and holder', async () => {
    const { code, stdout } = await acta('consumers', 'list')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^name\s+kind\s+position\s+head\s+lag\s+last save\s+holder$/)
    expect(lines[1]).toMatch(/^log\s+log-subscription\s+4\s+12\s+8\s+\S+ m?s ago\s+none$/)
    expect(lines[2]).toMatch(/^outbox-relay\s+outbox-relay\s+12\s+12\s+0\s+.+ ago\s+000000000001$/)
  })

  it('says so when no consumer has saved a checkpoint', async () => {
    const empty = await sqliteProject()
    try {
      const { code, stdout } = await empty.inside(() => cli(['consumers', 'list']))
      expect(code).toBe(0)
      expect(stdout).toContain('no consumer has saved a checkpoint')
    } finally {
      await empty.close()
    }
  })
})
