// The admin API's answers, as the app reads them (see the package README's API table). Where the
// server declares an answer in a module free of server runtime, the app takes its type from there:
// `import type` only, so nothing of the server reaches the bundle.
import type {
  DeadLetter as StoredDeadLetter,
  ProjectionStatus as RunnerStatus,
  RebuildProgress as RunnerRebuildProgress,
} from '@acta/core'
import type { EventJson } from '../../src/event-json.js'
import type { StateChange } from '../../src/time-travel.js'

export type { ParkedEvent } from '@acta/core'
export type { EventJson, LogPage, StreamPage } from '../../src/event-json.js'
export type { FlowAnswer, FlowCommand, FlowEdge, MessageFlow } from '../../src/message-flow.js'
export type { StateChange } from '../../src/time-travel.js'

/** A server type as JSON carries it: a `Date` arrives as its ISO string. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T

export type ProjectionStatus = Json<RunnerStatus>
export type RebuildProgress = Json<RunnerRebuildProgress>
export type DeadLetter = Json<StoredDeadLetter>

export interface StateHistory {
  streamId: string
  category: string
  initialState: unknown
  steps: { event: EventJson; state: unknown; changes: StateChange[] }[]
}

// The answers below are declared in modules that need Node or the service runtime, which the app's
// typecheck (browser globals only) should not load.

export interface OverviewSample {
  at: string
  headPosition: number
  eventsPerSecond: number
  lag: Record<string, number>
}

export interface UpstreamStatus {
  url: string
  healthy: boolean
  inFlight?: number
  websockets?: number
  requests?: number
  failures?: number
  lastError?: { message: string; at?: string } | null
}

export interface ServicesStatus {
  services: Record<string, { upstreams: UpstreamStatus[] }>
}

export interface TimerJson {
  id: string
  correlationId?: string
  dueAt: string
  command: { type: string; data: unknown }
  status: string
  attempts: number
  lastError?: string
}

export interface ProcessInstances {
  processManager: string
  build?: number
  total: number
  instances: { correlationId: string; state: unknown; updatedAt?: string; timers: TimerJson[] }[]
  timers: TimerJson[]
}
