import { createHash, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { Gateway } from './gateway.js'
import { startUpstream, testGateway, type Handler } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

const chunkSize = 1024 * 1024
const chunks = 32

async function setup(handler: Handler): Promise<Gateway> {
  const upstream = await startUpstream('files', handler)
  open.push(upstream)
  const gw = await testGateway({
    services: { files: { upstreams: [upstream.url] } },
    routes: [{ path: '/files/*', service: 'files' }],
  })
  open.push({ close: () => gw.stop() })
  return gw
}

describe('streaming bodies', () => {
  it('streams a large request body: the replica reads it while the client is still sending', async () => {
    let received = 0
    const hash = createHash('sha256')
    const gw = await setup((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length
        hash.update(chunk)
      })
      req.on('end', () => res.end(JSON.stringify({ received, sha256: hash.digest('hex') })))
    })
    const sent = createHash('sha256')
    const { hostname, port } = new URL(gw.url)

    const answer = new Promise<string>((resolve, reject) => {
      const req = request({ hostname, port, method: 'PUT', path: '/files/big', agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      const first = randomBytes(chunkSize)
      sent.update(first)
      req.write(first)
      // the rest only once the replica has bytes: a gateway that buffers the body would stall here
      eventually(() => received > 0, 10_000, 'the replica to receive the first bytes')
        .then(() => {
          for (let i = 1; i < chunks; i++) {
            const chunk = randomBytes(chunkSize)
            sent.update(chunk)
            req.write(chunk)
          }
          req.end()
        })
        .catch(reject)
    })

    expect(JSON.parse(await answer)).toEqual({ received: chunks * chunkSize, sha256: sent.digest('hex') })
  })

  it('streams a large response body: the client reads it while the replica is still sending', async () => {
    let clientHasBytes = false
    const sent = createHash('sha256')
    const gw = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const first = randomBytes(chunkSize)
      sent.update(first)
      res.write(first)
      // the rest only once the client has bytes: a gateway that buffers the response would stall here
      void eventually(() => clientHasBytes, 10_000, 'the client to receive the first bytes').then(() => {
        for (let i = 1; i < chunks; i++) {
          const chunk = randomBytes(chunkSize)
          sent.update(chunk)
          res.write(chunk)
        }
        res.end()
      })
    })

    const response = await fetch(`${gw.url}/files/big`)
    const received = createHash('sha256')
    let length = 0
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      clientHasBytes = true
      length += chunk.length
      received.update(chunk)
    }

    expect(length).toBe(chunks * chunkSize)
    expect(received.digest('hex')).toBe(sent.digest('hex'))
  })

  it('aborts the request to the replica when the client goes away mid-response', async () => {
    let replicaSawClose = false
    const gw = await setup((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const timer = setInterval(() => res.write(randomBytes(16 * 1024)), 5)
      res.once('close', () => {
        clearInterval(timer)
        replicaSawClose = true
      })
    })
    const controller = new AbortController()
    const response = await fetch(`${gw.url}/files/endless`, { signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read()

    controller.abort()

    await eventually(() => replicaSawClose, 5000, 'the replica to see its request aborted')
    await eventually(
      () => gw.status().services.files!.upstreams[0]!.inFlight === 0,
      5000,
      'nothing in flight',
    )
    expect(gw.status().services.files!.upstreams[0]!.failures).toBe(0)
  })
})
