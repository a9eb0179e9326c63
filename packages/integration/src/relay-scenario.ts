import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { messageToEvent } from '@acta/core'
import { eventually, sleep } from '@acta/testing'
import { expect } from 'vitest'
import { openInfrastructure } from '@acta/service'

const relayScript = fileURLToPath(new URL('./relay-child.ts', import.meta.url))

interface RelayProcess {
  child: ChildProcess
  owner: string
  ready: Promise<void>
  stderr: () => string
}

function spawnRelay(env: Record<string, string>, owner: string): RelayProcess {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', relayScript], {
    env: { ...process.env, ...env, ACTA_RELAY_OWNER: owner },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve())
    child.on('exit', (code) => reject(new Error(`relay ${owner} exited with ${code}: ${err}`)))
  })
  ready.catch(() => undefined)
  return { child, owner, ready, stderr: () => err }
}

/**
 * Two relay processes over one store and transport; the active one is killed with SIGKILL in the
 * middle of the run. Afterwards every appended event reached the consumer group, its effect
 * (recorded through the inbox) happened exactly once, per-stream order held, nothing was parked.
 */
export async function relayKillScenario(
  urls: { databaseUrl: string; transportUrl: string },
  run: { id: string; total?: number },
) {
  const total = run.total ?? 3000
  // a category and a group of this run's own, so a shared broker's other traffic never mixes in
  const category = `order${run.id}`
  const infra = await openInfrastructure(urls)
  const env = {
    ACTA_DATABASE_URL: urls.databaseUrl,
    ACTA_TRANSPORT_URL: urls.transportUrl,
    ACTA_RELAY_LEASE_MS: '2000',
  }
  const relays = [spawnRelay(env, 'relay-a'), spawnRelay(env, 'relay-b')]
  const effects = new Map<string, number>()
  const firstVersions = new Map<string, number[]>()
  let deliveries = 0
  try {
    const consumer = await infra.transport.subscribe(
      [`${category}.#`],
      async (message) => {
        deliveries++
        if (!(await infra.inbox.record('effects', message.headers.messageId))) return
        const event = messageToEvent(message)
        effects.set(event.eventId, (effects.get(event.eventId) ?? 0) + 1)
        firstVersions.set(event.streamId, [...(firstVersions.get(event.streamId) ?? []), event.streamVersion])
      },
      { group: `effects-${run.id}`, concurrency: 1 },
    )
    await Promise.all(relays.map((r) => r.ready))
    let appended = 0
    const appending = (async () => {
      while (appended < total) {
        const batch = Math.min(10, total - appended)
        await infra.store.append(
          `${category}-${appended % 37}`,
          Array.from({ length: batch }, (_, i) => ({ type: 'OrderLine', data: { n: appended + i } })),
        )
        appended += batch
        await sleep(1)
      }
    })()
    await eventually(() => effects.size >= total / 3, 60_000, 'a third of the effects')
    const holder = await infra.leases.holder('outbox-relay')
    const active = relays.find((r) => r.owner === holder?.owner)
    expect(active, 'one relay holds the lease').toBeDefined()
    active!.child.kill('SIGKILL')
    const killed = active!.owner
    const killedAt = effects.size
    await appending
    expect(killedAt, 'the kill came before the end of the run').toBeLessThan(total)
    await eventually(() => effects.size === total, 120_000, `${total} effects (have ${effects.size})`)
    await sleep(500)
    const survivor = relays.find((r) => r.owner !== killed)!
    // a renewal can lapse for a moment on a loaded machine; the survivor must hold the lease again soon
    await eventually(
      async () => (await infra.leases.holder('outbox-relay'))?.owner === survivor.owner,
      10_000,
      'the survivor to hold the lease',
    )
    expect(
      [...effects.values()].every((n) => n === 1),
      'each effect exactly once',
    ).toBe(true)
    expect(effects.size).toBe(total)
    expect(deliveries).toBeGreaterThanOrEqual(total)
    for (const [stream, versions] of firstVersions) {
      expect(versions, `first deliveries of ${stream} in stream order`).toEqual(
        [...versions].sort((a, b) => a - b),
      )
    }
    expect(await infra.transport.listDeadLetters()).toEqual([])
    await consumer.close()
    return { deliveries, duplicatesSkipped: deliveries - total }
  } finally {
    for (const r of relays) r.child.kill('SIGKILL')
    await infra.close()
  }
}
