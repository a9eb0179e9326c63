import type { ProjectionStatus, ReadSideAdmin, ScheduledEntry } from '@acta/core'
import { buildCollectionName } from '@acta/core'
import {
  HttpProblem,
  response,
  type ReadStores,
  type RouteBuilder,
  type RouteDefinition,
} from '@acta/service'
import { requireToken } from './admin-token.js'
import { integer } from './query-params.js'

/** What the read-side routes need on the service's context. */
export interface ReadSideResources {
  readSide: ReadSideAdmin
  readStores: ReadStores
}

/** A pending timer of a process manager, as the dashboard shows it. */
export interface TimerJson {
  id: string
  correlationId: string | undefined
  dueAt: string
  command: { type: string; data: unknown }
  status: string
  attempts: number
  lastError: string | undefined
}

/** One correlation a process manager is following, with its pending timers. */
export interface ProcessInstanceJson {
  correlationId: string
  state: unknown
  updatedAt: string | undefined
  timers: TimerJson[]
}

/** Timers of one process manager the schedule store lists at most (earliest due first). */
export const timerScanLimit = 10_000

const controls = ['stop', 'start', 'reset', 'rebuild'] as const

/**
 * The routes that show and steer projections and process managers, from their persisted state
 * (`readSideAdmin`): whatever process runs them, the dashboard sees the same thing. Commands are
 * requests the lease holder carries out on its next tick, hence `202`.
 */
export function readSideRoutes<R extends ReadSideResources>(
  r: RouteBuilder<R>,
  options: { prefix: string; token: string },
): RouteDefinition<R>[] {
  const { prefix, token } = options
  return [
    r.get(`${prefix}/projections`, async (ctx, request) => {
      requireToken(token, request.headers)
      return response({ projections: await ctx.readSide.status() }, { headers: noStore })
    }),
    r.get(`${prefix}/projections/:name`, async (ctx, request) => {
      requireToken(token, request.headers)
      return response(await ctx.readSide.get(request.params.name), { headers: noStore })
    }),
    r.get(`${prefix}/projections/:name/parked`, async (ctx, request) => {
      requireToken(token, request.headers)
      return { projection: request.params.name, parked: await ctx.readSide.parked(request.params.name) }
    }),
    r.route('POST', `${prefix}/projections/:name/:control`, async (ctx, request) => {
      requireToken(token, request.headers)
      const { name, control } = request.params
      if (!isControl(control))
        throw new HttpProblem({
          status: 404,
          title: 'Not Found',
          detail: `No control "${control}": use one of ${controls.join(', ')}`,
        })
      if (control === 'rebuild') {
        const build = await ctx.readSide.rebuild(name)
        return response({ projection: name, requested: control, build }, { status: 202 })
      }
      await ctx.readSide[control](name)
      return response({ projection: name, requested: control }, { status: 202 })
    }),
    r.get(`${prefix}/process-managers/:name/instances`, async (ctx, request) => {
      requireToken(token, request.headers)
      const limit = integer(request.query, 'limit', { min: 1, max: 500, fallback: 100 })
      const status = await ctx.readSide.get(request.params.name)
      return processInstances(ctx.readStores, status, limit)
    }),
  ]
}

const noStore = { 'cache-control': 'no-store' }

function isControl(value: string): value is (typeof controls)[number] {
  return (controls as readonly string[]).includes(value)
}

/**
 * The correlations a process manager follows (state documents of its active build, newest first)
 * and its pending timers. Timer ids are `<name>:<correlationId>:<timer>`, so each timer finds its
 * instance by prefix; timers whose instance is over are listed too.
 */
export async function processInstances(
  readStores: ReadStores,
  status: ProjectionStatus,
  limit: number,
): Promise<{
  processManager: string
  build: number | undefined
  total: number
  instances: ProcessInstanceJson[]
  timers: TimerJson[]
}> {
  const { name } = status
  if (status.kind !== 'process-manager')
    throw new HttpProblem({
      status: 404,
      title: 'Not Found',
      detail: `"${name}" is a ${status.kind}, not a process manager`,
    })
  const build = status.activeBuild
  const states =
    build === undefined
      ? undefined
      : readStores.documents.collection(buildCollectionName(`${name}_state`, build))
  const [documents, total, pending] = await Promise.all([
    states?.find({ orderBy: [{ field: 'updatedAt', direction: 'desc' }], limit }) ?? [],
    states?.count() ?? 0,
    readStores.schedules.pending({ limit: timerScanLimit, idPrefix: `${name}:` }),
  ])
  const instances: ProcessInstanceJson[] = documents.map((document) => ({
    correlationId: String(document.correlationId),
    state: document.state,
    updatedAt: typeof document.updatedAt === 'string' ? document.updatedAt : undefined,
    timers: [],
  }))
  const timers = pending.map((entry) => timerJson(name, entry, instances))
  return { processManager: name, build, total, instances, timers }
}

function timerJson(name: string, entry: ScheduledEntry, instances: ProcessInstanceJson[]): TimerJson {
  const instance = instances.find((candidate) => entry.id.startsWith(`${name}:${candidate.correlationId}:`))
  // without its instance the split is a guess: correlation and timer ids may both hold ':'
  const rest = entry.id.slice(name.length + 1)
  const timer: TimerJson = {
    id: entry.id,
    correlationId:
      instance?.correlationId ?? (rest.includes(':') ? rest.slice(0, rest.lastIndexOf(':')) : undefined),
    dueAt: entry.dueAt.toISOString(),
    command: { type: entry.payload.type, data: entry.payload.data },
    status: entry.status,
    attempts: entry.attempts,
    lastError: entry.lastError,
  }
  instance?.timers.push(timer)
  return timer
}
