import { connect } from 'node:net'
import { join } from 'node:path'
import type { ProjectUnit } from '../project.js'
import { startReplicaProcess, waitReady, type ReplicaProcess } from './replica-process.js'
import type { ReplicaState } from './run-files.js'

/** What a unit runner needs from the supervisor. */
export interface UnitRunnerOptions {
  readonly root: string
  readonly name: string
  readonly unit: ProjectUnit
  /** Environment of the replicas, before PORT/HOST/ACTA_SERVICE/ACTA_REPLICA. */
  readonly env: Readonly<Record<string, string>>
  readonly onLine: (replica: number, line: string) => void
  /** The supervisor's own messages about this unit. */
  readonly say: (message: string) => void
  /** Called on every state change (to rewrite state.json). */
  readonly changed: () => void
  readonly startTimeoutMs?: number
  readonly stopTimeoutMs?: number
}

/** The replicas of one unit: started, restarted one at a time, revived after a crash, stopped. */
export interface UnitRunner {
  readonly name: string
  readonly unit: ProjectUnit
  /** Starts every replica and waits until each answers /readyz; false when one did not. */
  start(): Promise<boolean>
  /** Replaces the replicas one at a time, each ready before the next goes. */
  restart(): Promise<void>
  stop(): Promise<void>
  states(): ReplicaState[]
}

interface Slot {
  replica: number
  port: number
  process: ReplicaProcess | undefined
  state: ReplicaState['state']
  restarts: number
  failures: number
  startedAt: Date | undefined
  revive: NodeJS.Timeout | undefined
}

/** Restart delays after a crash: 0.5 s doubling to 30 s; a replica up for 10 s is forgiven. */
export function crashBackoffMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1))
}
const forgivenAfterMs = 10_000

/**
 * Runs one unit's replicas. Replica n listens on `unit.port + n - 1` and gets `ACTA_SERVICE` (the
 * unit's name) and `ACTA_REPLICA` (n) in its environment.
 */
export function unitRunner(options: UnitRunnerOptions): UnitRunner {
  const { root, name, unit, say, changed } = options
  const startTimeoutMs = options.startTimeoutMs ?? 60_000
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000
  const entry = join(unit.dir, unit.entry)
  let stopping = false
  const slots: Slot[] = Array.from({ length: unit.replicas }, (_, i) => ({
    replica: i + 1,
    port: unit.port + i,
    process: undefined,
    state: 'stopped',
    restarts: 0,
    failures: 0,
    startedAt: undefined,
    revive: undefined,
  }))
  const url = (slot: Slot) => `http://127.0.0.1:${slot.port}`
  const set = (slot: Slot, state: ReplicaState['state']) => {
    slot.state = state
    changed()
  }

  const launch = async (slot: Slot): Promise<boolean> => {
    if (stopping) return false
    if (await portInUse(slot.port)) {
      say(`${name}#${slot.replica}: port ${slot.port} is in use by another process; not started`)
      set(slot, 'crashed')
      return false
    }
    set(slot, slot.startedAt ? 'restarting' : 'starting')
    const started = startReplicaProcess({
      root,
      entry,
      port: slot.port,
      env: {
        ...options.env,
        ...unit.env,
        HOST: '127.0.0.1',
        ACTA_SERVICE: name,
        ACTA_REPLICA: String(slot.replica),
      },
      onLine: (line) => options.onLine(slot.replica, line),
    })
    slot.process = started
    slot.startedAt = new Date()
    changed()
    void started.exited.then(({ code, signal }) => onExit(slot, started, code, signal))
    const ready = await waitReady(url(slot), started.exited, startTimeoutMs)
    if (slot.process !== started) return ready
    if (ready) set(slot, 'ready')
    else if (started.child.exitCode === null && started.child.signalCode === null)
      say(
        `${name}#${slot.replica} is not ready after ${Math.round(startTimeoutMs / 1000)} s (${url(slot)}/readyz)`,
      )
    return ready
  }

  const onExit = (slot: Slot, exited: ReplicaProcess, code: number | null, signal: string | null) => {
    if (slot.process !== exited) return // replaced on purpose
    slot.process = undefined
    if (stopping || slot.state === 'stopping') return set(slot, 'stopped')
    const ranMs = Date.now() - (slot.startedAt?.getTime() ?? Date.now())
    slot.failures = ranMs > forgivenAfterMs ? 1 : slot.failures + 1
    const delay = crashBackoffMs(slot.failures)
    say(
      `${name}#${slot.replica} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`,
    )
    set(slot, 'crashed')
    slot.revive = setTimeout(() => {
      slot.revive = undefined
      if (stopping) return
      slot.restarts++
      void launch(slot)
    }, delay)
  }

  const halt = async (slot: Slot) => {
    clearTimeout(slot.revive)
    slot.revive = undefined
    const running = slot.process
    if (!running) return set(slot, 'stopped')
    set(slot, 'stopping')
    await running.stop(stopTimeoutMs)
  }

  return {
    name,
    unit,
    async start() {
      const ready = await Promise.all(slots.map((slot) => launch(slot)))
      return ready.every(Boolean)
    },
    async restart() {
      for (const slot of slots) {
        if (stopping) return
        await halt(slot)
        slot.restarts++
        slot.failures = 0
        await launch(slot)
      }
    },
    async stop() {
      stopping = true
      await Promise.all(slots.map((slot) => halt(slot)))
    },
    states: () =>
      slots.map((slot) => ({
        replica: slot.replica,
        port: slot.port,
        pid: slot.process?.pid ?? null,
        state: slot.state,
        restarts: slot.restarts,
        startedAt: slot.startedAt?.toISOString() ?? null,
      })),
  }
}

/** True when something accepts connections on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
