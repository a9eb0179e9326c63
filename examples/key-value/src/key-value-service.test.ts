import { uuidv7 } from '@acta/core'
import { openInfrastructure, type Infrastructure, type RunningService } from '@acta/service'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { startKeyValue, type KeyValueOptions } from './key-value-service.js'
import type { KeyValueResources } from './value-routes.js'

const running: RunningService<KeyValueResources>[] = []
const infrastructures: Infrastructure[] = []
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop()
  for (const infra of infrastructures.splice(0)) await infra.close()
})

async function memory(): Promise<Infrastructure> {
  const infra = await openInfrastructure({ databaseUrl: 'memory', transportUrl: 'memory' })
  infrastructures.push(infra)
  return infra
}

async function replica(infrastructure: Infrastructure, options: KeyValueOptions = {}) {
  const service = await startKeyValue({
    ...options,
    infrastructure,
    env: {},
    config: { port: 0, logLevel: 'silent' },
  })
  running.push(service)
  return service
}

describe('a key-value replica on memory adapters', () => {
  it('puts, gets and deletes through its own command queue', async () => {
    const { url } = await replica(await memory())
    const written = await fetch(`${url}/values/k`, { method: 'PUT', body: 'v' })
    expect(await written.json()).toEqual({ key: 'k', value: 'v', message: 'OK' })
    expect(await (await fetch(`${url}/values/k`)).json()).toEqual({ key: 'k', value: 'v' })
    expect(await (await fetch(`${url}/values/k`, { method: 'DELETE' })).json()).toEqual({
      key: 'k',
      message: '1',
    })
    expect(await (await fetch(`${url}/values/k`, { method: 'DELETE' })).json()).toEqual({
      key: 'k',
      message: '0',
    })
  })

  it.each([
    ['application/x-www-form-urlencoded', 'my value&a=b%20'],
    ['application/json', 'myvalue'],
    ['application/octet-stream', 'clé ✓'],
  ])('stores a %s body as the raw value', async (contentType, value) => {
    const { url } = await replica(await memory())
    const written = await fetch(`${url}/values/k`, {
      method: 'PUT',
      body: value,
      headers: { 'content-type': contentType },
    })
    expect(await written.json()).toEqual({ key: 'k', value, message: 'OK' })
    expect(await (await fetch(`${url}/values/k`)).json()).toEqual({ key: 'k', value })
  })

  it('answers 504 when no replica handles the command in time; the queued command still applies later', async () => {
    const infra = await memory()
    const sender = await replica(infra, { serveCommands: false, waitTimeoutMs: 200 })
    const res = await fetch(`${sender.url}/values/late`, { method: 'PUT', body: 'eventually' })
    expect(res.status).toBe(504)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await res.json()).toMatchObject({ status: 504, messageId: expect.any(String) as string })

    await replica(infra)
    await eventually(async () => (await fetch(`${sender.url}/values/late`)).status === 200, 10_000)
  })

  it('replies with the refusal of a command the decider refuses', async () => {
    const { context } = await replica(await memory())
    const messageId = uuidv7()
    const { outcome } = context.outcomes.expect(messageId, 5000)
    await context.commandBus.send(
      {
        type: 'PutValue',
        data: { key: 'k', value: '' },
        metadata: { messageId, replyTopic: context.kv.replyTopic },
      },
      { queue: context.kv.channels.commandQueue },
    )
    expect(await outcome).toEqual({
      kind: 'refused',
      code: 'VALIDATION',
      message: expect.stringMatching(/empty/) as string,
    })
  })

  it('sends no "nothing recorded" reply for a redelivered delete that already recorded its event', async () => {
    const { context, url } = await replica(await memory())
    await fetch(`${url}/values/k`, { method: 'PUT', body: 'v' })
    const messageId = uuidv7()
    const command = {
      type: 'DeleteValue',
      data: { key: 'k' },
      metadata: { messageId, replyTopic: context.kv.replyTopic },
    }
    const first = context.outcomes.expect(messageId, 5000).outcome
    await context.commandBus.execute(command)
    expect(await first).toMatchObject({ kind: 'recorded' })

    const second = context.outcomes.expect(messageId, 300).outcome
    await context.commandBus.execute(command)
    expect(await second).toBeUndefined()
  })
})
