import type { ProjectionStatus, ReadSide } from '@acta/core'
import { defineProjection } from '@acta/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, jsonLines } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

const calls = { tally: 0 }

const tally = defineProjection({
  name: 'tally',
  version: 1,
  collections: { tallies: {} },
  handlers: {
    Counted: async (event, ctx) => {
      calls.tally++
      const tallies = ctx.collection<{ n: number }>('tallies')
      await tallies.put(event.streamId, { n: ((await tallies.get(event.streamId))?.n ?? 0) + 1 })
    },
  },
})

/** Parks the events it cannot take instead of faulting. */
const picky = defineProjection({
  name: 'picky',
  version: 1,
  onFailure: 'park',
  collections: { seen: {} },
  handlers: {
    Counted: async () => undefined,
    Garbled: async () => {
      throw new Error('cannot read a garbled event')
    },
  },
})

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('acta projections', () => {
  let project: SqliteProject
  let readSide: ReadSide
  const acta = (...argv: string[]) => project.inside(() => cli(argv))
  const statusOf = async (name: string) =>
    JSON.parse((await acta('projections', 'status', name, '--json')).stdout) as ProjectionStatus

  beforeAll(async () => {
    project = await sqliteProject()
    for (let i = 0; i < 200; i++) await project.add(`counter-${i % 4}`, 'Counted')
    await project.add('counter-x', 'Garbled')
    readSide = await project.run(tally)
    await project.run(picky)
    await until(async () => (await statusOf('tally')).state === 'running')
    await until(async () => (await statusOf('picky')).position === 201)
  })
  afterAll(() => project.close())

  it('lists the projections the services run, as JSON and as a table', async () => {
    const json = await acta('projections', 'list', '--json')
    expect(json.code).toBe(0)
    const statuses = JSON.parse(json.stdout) as ProjectionStatus[]
    expect(statuses.map((s) => [s.name, s.state, s.position, s.headPosition, s.lagEvents])).toEqual([
      ['picky', 'running', 201, 201, 0],
      ['tally', 'running', 201, 201, 0],
    ])
    expect(statuses[0]).toMatchObject({ kind: 'projection', version: 1, parked: 1, activeBuild: 1 })

    const table = await acta('projections', 'list')
    expect(table.stdout.split('\n')[0]).toMatch(
      /^name\s+kind\s+state\s+position\s+head\s+lag\s+events\/s\s+parked\s+owner\s+last error$/,
    )
    expect(table.stdout).toMatch(/tally\s+projection\s+running\s+201\s+201\s+0/)
  })

  it('shows one projection in detail with its builds', async () => {
    const { code, stdout } = await acta('projections', 'status', 'tally')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^tally {2}projection v1 {2}running\n/)
    expect(stdout).toMatch(/position\s+201 of 201/)
    expect(stdout).toMatch(/build\s+version\s+state\s+position/)
  })

  it('lists parked events', async () => {
    const json = await acta('projections', 'parked', 'picky', '--json')
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ globalPosition: 201, type: 'Garbled', streamId: 'counter-x' }),
    ])
    expect((await acta('projections', 'parked', 'picky')).stdout).toMatch(/201\s+counter-x\s+Garbled/)
  })

  it('stops and starts a projection run elsewhere', async () => {
    expect(await acta('projections', 'stop', 'tally')).toMatchObject({
      code: 0,
      stdout: 'Asked to stop tally.\n',
    })
    await until(async () => (await statusOf('tally')).state === 'stopped')
    const appended = await project.add('counter-0', 'Counted')
    await until(async () => (await statusOf('tally')).lagEvents === 1)
    expect(await acta('projections', 'start', 'tally')).toMatchObject({ code: 0 })
    await until(async () => (await statusOf('tally')).position === appended)
  })

  it('resets a projection: the service replays the log into it', async () => {
    const before = calls.tally
    expect((await acta('projections', 'reset', 'tally')).code).toBe(0)
    await until(() => calls.tally >= before + 201)
    await until(async () => (await statusOf('tally')).state === 'running')
    expect(await readSide.collection<{ n: number }>('tally', 'tallies').get('counter-1')).toEqual({ n: 50 })
  })

  it('rebuilds with progress until the new build is active', async () => {
    // When a rebuild is asked for and waited on
    const { code, stdout, stderr } = await acta('projections', 'rebuild', 'tally', '--poll-ms', '20')

    // Then progress came on stderr (a line: stderr is no terminal here) and the switch on stdout
    expect(code).toBe(0)
    expect(stdout).toBe('Build 2 of tally is active.\n')
    expect(stderr).toMatch(/100\.0% {2}202\/202 .* done\n$/)
    const status = await statusOf('tally')
    expect(status.activeBuild).toBe(2)
    expect(status.builds.map((b) => [b.build, b.state])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ])
  })

  it('rebuilds with JSON lines of progress and outcome', async () => {
    const { code, stdout } = await acta('projections', 'rebuild', 'tally', '--json', '--poll-ms', '20')
    expect(code).toBe(0)
    const lines = jsonLines(stdout) as { status: string; fraction?: number; build?: number }[]
    expect(lines.at(-1)).toEqual({ status: 'active', projection: 'tally', build: 3 })
    expect(lines.at(-2)).toMatchObject({ status: 'progress', build: 3, fraction: 1 })
  })

  it('requests a rebuild without waiting', async () => {
    const { code, stdout } = await acta('projections', 'rebuild', 'picky', '--no-wait', '--json')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({ projection: 'picky', build: 2 })
    await until(async () => (await statusOf('picky')).activeBuild === 2)
  })

  it('gives up on a rebuild no running service holds, and says why', async () => {
    // Given the projection's only instance shut down
    await readSide.stop()
    await until(async () => (await statusOf('tally')).state === 'offline')

    // When a rebuild is waited on
    const { code, stderr } = await acta(
      'projections',
      'rebuild',
      'tally',
      '--grace',
      '0.2',
      '--poll-ms',
      '20',
    )

    // Then it fails, naming the cause and the cure
    expect(code).toBe(1)
    expect(stderr).toContain('No running service holds projection tally')
    expect(stderr).toMatch(/hint\s+run the service/)
  })

  it('answers 3 for a projection that never ran here', async () => {
    for (const command of ['status', 'stop', 'start', 'reset', 'rebuild', 'parked']) {
      const { code, stderr } = await acta('projections', command, 'nope')
      expect([command, code]).toEqual([command, 3])
      expect(stderr).toContain('No projection "nope"')
    }
  })
})
