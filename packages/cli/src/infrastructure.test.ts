import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectionUrls, maskUrl, withDatabase } from './infrastructure.js'
import { CliError } from './output.js'

describe('what the operational commands connect to', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'acta-cli-urls-'))
    dirs.push(dir)
    return dir
  }

  it("uses the project's URLs, relative SQLite paths made absolute, from a subfolder too", async () => {
    // Given a project whose acta.json names a database
    const root = temp()
    writeFileSync(
      join(root, 'acta.json'),
      JSON.stringify({ name: 't', env: { ACTA_DATABASE_URL: 'sqlite:data/app.db' } }),
    )
    mkdirSync(join(root, 'services'))

    // When the URLs are resolved in a subfolder
    const urls = await connectionUrls({}, { env: {}, cwd: join(root, 'services') })

    // Then they are the project's
    expect(urls).toEqual({
      databaseUrl: `sqlite:${join(root, 'data/app.db')}`,
      transportUrl: `sqlite:${join(root, '.acta/transport.db')}`,
    })
  })

  it('falls back to the environment, then the defaults, relative to the working directory', async () => {
    const dir = temp()
    expect(await connectionUrls({}, { env: {}, cwd: dir })).toEqual({
      databaseUrl: `sqlite:${join(dir, '.acta/acta.db')}`,
      transportUrl: `sqlite:${join(dir, '.acta/transport.db')}`,
    })
    const env = { ACTA_DATABASE_URL: 'postgres://u:p@db/x', ACTA_TRANSPORT_URL: 'amqp://mq' }
    expect(await connectionUrls({}, { env, cwd: dir })).toEqual({
      databaseUrl: 'postgres://u:p@db/x',
      transportUrl: 'amqp://mq',
    })
  })

  it('lets the flags win', async () => {
    const dir = temp()
    const urls = await connectionUrls(
      { databaseUrl: 'sqlite:other.db', transportUrl: 'memory' },
      { env: { ACTA_DATABASE_URL: 'postgres://db/x' }, cwd: dir },
    )
    expect(urls).toEqual({ databaseUrl: `sqlite:${join(dir, 'other.db')}`, transportUrl: 'memory' })
  })

  it('masks passwords', () => {
    expect(maskUrl('postgres://acta:secret@db:5432/x')).toBe('postgres://acta:***@db:5432/x')
    expect(maskUrl('amqp://guest@mq')).toBe('amqp://guest@mq')
    expect(maskUrl('sqlite:/tmp/a.db')).toBe('sqlite:/tmp/a.db')
  })

  it('refuses a SQLite database that does not exist instead of creating it', async () => {
    const dir = temp()
    const error = await withDatabase({ databaseUrl: `sqlite:${join(dir, 'none.db')}` }, async () => 1).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CliError)
    expect(error).toMatchObject({ exitCode: 3, message: expect.stringContaining('none.db') as unknown })
  })

  it('names the database, password masked, when it does not answer', async () => {
    const error = await withDatabase(
      { databaseUrl: 'postgres://acta:secret@127.0.0.1:1/nowhere' },
      async () => 1,
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).message).toContain('postgres://acta:***@127.0.0.1:1/nowhere')
    expect((error as CliError).message).not.toContain('secret')
    expect((error as CliError).hint).toMatch(/--database-url/)
  })
})
