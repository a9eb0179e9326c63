import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readinessProber } from './readiness-prober.js'

describe('readinessProber', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })
  const serve = async (status: number) => {
    const server = createServer((_req, res) => res.writeHead(status).end())
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('reports ready replicas healthy, and failing or unreachable ones with their error', async () => {
    const ready = await serve(200)
    const starting = await serve(503)
    const gone = await serve(200)
    await new Promise((resolve) => servers.pop()?.close(resolve))
    const prober = readinessProber(() => ({ mailer: [ready, starting], 'process-managers': [gone] }), {
      intervalMs: 50,
    })
    try {
      await expect
        .poll(() => prober.status()['process-managers']?.upstreams[0]?.checkedAt !== null)
        .toBe(true)
      await expect.poll(() => prober.status().mailer?.upstreams.every((u) => u.checkedAt !== null)).toBe(true)
      const { mailer, 'process-managers': managers } = prober.status()
      expect(mailer?.upstreams.map((u) => [u.url, u.healthy])).toEqual([
        [ready, true],
        [starting, false],
      ])
      expect(mailer?.upstreams[1]?.lastError).toBe('/readyz answered 503')
      expect(managers?.upstreams[0]).toMatchObject({ healthy: false, lastError: 'ECONNREFUSED' })
    } finally {
      prober.stop()
    }
  })
})
