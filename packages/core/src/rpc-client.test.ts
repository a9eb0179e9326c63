import { describe, expect, it } from 'vitest'
import { ActaError } from './errors.js'
import { memoryTransport } from './memory-transport.js'
import { rpcClient } from './rpc-client.js'

describe('rpc client', () => {
  it('retries idempotent calls after a timeout, with one messageId, and never retries the others', async () => {
    const transport = memoryTransport()
    const seen: string[] = []
    await transport.respond('slow', async (m) => {
      seen.push(m.headers.messageId)
      if (seen.length === 1) await new Promise((resolve) => setTimeout(resolve, 150))
      return 'pong'
    })
    const rpc = rpcClient({ transport, timeoutMs: 50, retryDelayMs: 1 })
    const reply = await rpc.call('slow', { type: 'Ping', data: {} }, { idempotent: true })
    expect(reply.data).toBe('pong')
    expect(new Set(seen).size).toBe(1)
    seen.length = 0
    await expect(rpc.call('slow', { type: 'Ping', data: {} })).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(seen).toHaveLength(1)
    await transport.close()
  })

  it('opens the circuit after repeated failures, fails fast, and closes after a good probe', async () => {
    const transport = memoryTransport()
    const rpc = rpcClient({ transport, timeoutMs: 30, breaker: { failureThreshold: 3, openMs: 200 } })
    for (let i = 0; i < 3; i++)
      await expect(rpc.call('down', { type: 'Q', data: {} })).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(rpc.breakerState('down')).toBe('open')
    const started = Date.now()
    await expect(rpc.call('down', { type: 'Q', data: {} })).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(30)
    await transport.respond('down', () => 'back')
    await new Promise((resolve) => setTimeout(resolve, 220))
    expect(rpc.breakerState('down')).toBe('half-open')
    expect((await rpc.call('down', { type: 'Q', data: {} })).data).toBe('back')
    expect(rpc.breakerState('down')).toBe('closed')
    await transport.close()
  })

  it('treats refusals as answers: no retry, no tripping', async () => {
    const transport = memoryTransport()
    let calls = 0
    await transport.respond('picky', () => {
      calls++
      throw new ActaError('FORBIDDEN', 'no')
    })
    const rpc = rpcClient({ transport, breaker: { failureThreshold: 1 } })
    await expect(rpc.call('picky', { type: 'Q', data: {} }, { idempotent: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    })
    await expect(rpc.call('picky', { type: 'Q', data: {} }, { idempotent: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    })
    expect(calls).toBe(2)
    expect(rpc.breakerState('picky')).toBe('closed')
    await transport.close()
  })
})
