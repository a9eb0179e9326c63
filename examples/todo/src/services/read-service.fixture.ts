import { startService, type RunningService, type ServiceDefinition } from '@acta/service'
import { afterAll, beforeAll } from 'vitest'
import type { DomainEvent } from '../shared/messages.js'

/** A read service started for a test file, with the two things its tests do: write events, read answers. */
export interface ReadServiceFixture<R extends object> {
  /** The running service; only inside tests (it starts in `beforeAll`). */
  readonly service: RunningService<R>
  /** Appends events to a stream of the service's store and resolves to the last one's log position. */
  record(stream: string, ...events: DomainEvent[]): Promise<number>
  /** GETs a path of the service: status, content type and the parsed JSON body. */
  get(path: string): Promise<{ status: number; type: string | null; body: unknown }>
}

/**
 * Starts a read service on memory adapters before the file's tests and stops it after them.
 *
 * @example
 * const { record, get } = readServiceFixture(todoReadService())
 * it('shows a todo', async () => {
 *   const posted = await record(todoStream('t-1'), todoWasPosted)
 *   expect((await get(`/api/todos/t-1?after=${posted}`)).status).toBe(200)
 * })
 */
export function readServiceFixture<R extends object>(
  definition: ServiceDefinition<R>,
): ReadServiceFixture<R> {
  let started: RunningService<R> | undefined
  beforeAll(async () => {
    started = await startService(definition, {
      config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory', logLevel: 'silent' },
    })
  })
  afterAll(() => started?.stop())

  const running = (): RunningService<R> => {
    if (!started) throw new Error(`${definition.name} is not started yet: use the fixture inside a test`)
    return started
  }
  return {
    get service() {
      return running()
    },
    record: async (stream, ...events) => (await running().context.store.append(stream, events)).position,
    get: async (path) => {
      const res = await fetch(`${running().url}${path}`)
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: (await res.json()) as unknown,
      }
    },
  }
}
