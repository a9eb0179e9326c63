import { describe, expect, it } from 'vitest'
import { databaseTarget, resolveLocalUrls } from './database-url.js'

describe('database URLs', () => {
  it('names the adapter, the SQLite path or the PostgreSQL schema outside the connection string', () => {
    expect(databaseTarget('sqlite:.acta/acta.db')).toEqual({ kind: 'sqlite', path: '.acta/acta.db' })
    expect(databaseTarget('postgres://u@h:5432/db?schema=todo&sslmode=disable')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@h:5432/db?sslmode=disable',
      schema: 'todo',
    })
    expect(databaseTarget('postgresql://u@h/db')).toMatchObject({ kind: 'postgres', schema: undefined })
    expect(databaseTarget('memory')).toEqual({ kind: 'memory' })
    expect(() => databaseTarget('mysql://h/db')).toThrow('sqlite:<path>, postgres://… or memory')
  })

  it('resolves relative SQLite paths and the local transport against a root, keeping the rest', () => {
    expect(
      resolveLocalUrls({ databaseUrl: 'sqlite:.acta/acta.db', transportUrl: 'local' }, '/srv/app'),
    ).toEqual({
      databaseUrl: 'sqlite:/srv/app/.acta/acta.db',
      transportUrl: 'sqlite:/srv/app/.acta/transport.db',
    })
    expect(
      resolveLocalUrls({ databaseUrl: 'sqlite:/data/a.db', transportUrl: 'amqp://g:g@h:5672' }, '/srv/app'),
    ).toEqual({ databaseUrl: 'sqlite:/data/a.db', transportUrl: 'amqp://g:g@h:5672' })
    expect(resolveLocalUrls({ databaseUrl: 'memory', transportUrl: 'memory' }, '/srv')).toEqual({
      databaseUrl: 'memory',
      transportUrl: 'memory',
    })
  })
})
