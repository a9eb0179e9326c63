import type { EventStore, Transport } from '@acta/core'

/** The outcome of `/readyz`: each check is `ok` or says what failed. */
export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, string>>
  /** The store's head position when it answered. */
  readonly position?: number
}

/** Transports that can say whether their connection is up (RabbitMQ). */
interface ConnectedTransport {
  ready(): Promise<void>
  readonly connected: boolean
}

const probeTimeoutMs = 2000

/**
 * Asks the store for its head position and the transport whether it is reachable, each within two
 * seconds. A transport with `ready()`/`connected` (RabbitMQ) is connected if needed; others
 * (SQLite, memory) answer a dead-letter listing, which reads their database.
 */
export async function checkReadiness(
  store: EventStore,
  transport: Transport,
  subscriptions: readonly { name: string; caughtUp(): boolean }[],
  onFailure: (check: string, error: unknown) => void,
): Promise<Readiness> {
  const [position, transportCheck] = await Promise.all([
    withTimeout(store.headPosition(), 'store', onFailure),
    withTimeout(probeTransport(transport), 'transport', onFailure),
  ])
  const checks: Record<string, string> = {
    store: typeof position === 'number' ? 'ok' : position.failed,
    transport: transportCheck === undefined ? 'ok' : transportCheck.failed,
  }
  for (const subscription of subscriptions)
    checks[`subscription ${subscription.name}`] = subscription.caughtUp() ? 'ok' : 'catching up'
  return {
    ready: Object.values(checks).every((check) => check === 'ok'),
    checks,
    ...(typeof position === 'number' ? { position } : {}),
  }
}

async function probeTransport(transport: Transport): Promise<undefined> {
  const connectable = transport as Partial<ConnectedTransport>
  if (typeof connectable.ready === 'function' && typeof connectable.connected === 'boolean') {
    if (connectable.connected) return undefined
    await connectable.ready()
    if (!connectable.connected) throw new Error('not connected')
    return undefined
  }
  await transport.listDeadLetters('acta.readyz')
  return undefined
}

/** The work's value, or what failed in words safe to show (the error itself goes to `onFailure`). */
async function withTimeout<T>(
  work: Promise<T>,
  check: string,
  onFailure: (check: string, error: unknown) => void,
): Promise<T | { failed: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<{ failed: string }>((resolve) => {
    timer = setTimeout(() => resolve({ failed: `no answer within ${probeTimeoutMs} ms` }), probeTimeoutMs)
  })
  try {
    return await Promise.race([work, timeout])
  } catch (error) {
    onFailure(check, error)
    return { failed: 'unreachable' }
  } finally {
    clearTimeout(timer)
  }
}
