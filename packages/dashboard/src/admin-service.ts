import type { DeadLetter, ReadSideAdmin } from '@acta/core'
import { defaultCorrelationLimit, maxCorrelationLimit, readSideAdmin, streamCategory } from '@acta/core'
import {
  defineService,
  HttpProblem,
  openReadStores,
  queueMetrics,
  response,
  type ReadStores,
  type ServiceDefinition,
} from '@acta/service'
import { minTokenLength, requireToken } from './admin-token.js'
import { eventJson } from './event-json.js'
import { liveFeed } from './live-feed.js'
import { readLogPage, readLogTail, readStreamPage } from './log-routes.js'
import { messageFlow, type FlowAnswer } from './message-flow.js'
import { overviewSampler, type OverviewSampler } from './overview-sampler.js'
import { replayStates, type DeciderRegistry } from './time-travel.js'
import { integer, single } from './query-params.js'
import { readSideRoutes } from './read-side-routes.js'
import { consumerRoutes } from './consumer-routes.js'
import { dashboardDist, ensureDashboardBuilt } from './build-dashboard.js'

/** Services and replicas as the gateway sees them (its `status()`), for the overview. */
export interface ServicesStatus {
  readonly services: Readonly<
    Record<
      string,
      {
        readonly upstreams: readonly {
          readonly url: string
          readonly healthy: boolean
          /** The gateway's counters (`inFlight`, `requests`, `failures`, `lastError`…). */
          readonly [key: string]: unknown
        }[]
      }
    >
  >
  readonly [key: string]: unknown
}

export interface AdminServiceOptions {
  /** The token every request must carry (`Authorization: Bearer …`); at least 16 characters. */
  token: string
  /** Where the gateway's view of services and replicas comes from (e.g. `() => gateway.status()`). */
  services?: () => ServicesStatus | Promise<ServicesStatus>
  /** Path prefix of the API. Default `/_acta/api`. */
  prefix?: string
  /** Deciders by stream category, for time travel (`/streams/:id/states`). */
  deciders?: DeciderRegistry
  /**
   * The read side's stores (documents, timers). Default: opened from the service's database URL
   * (`openReadStores`), and closed on stop.
   */
  readStores?: ReadStores
  /** How often the overview samples the log head and lags. Default 2000 ms. */
  sampleIntervalMs?: number
  /**
   * Serve the dashboard app beside the API (at the prefix without its `api` segment, `/_acta/`).
   * In a source checkout the app is built on start when it is missing or older than its sources.
   * Default true.
   */
  app?: boolean
}

interface AdminResources {
  readStores: ReadStores
  readSide: ReadSideAdmin
  sampler: OverviewSampler
}

/**
 * Headers of the app's files: scripts, styles and connections from this origin only (the API and
 * the live websocket are same-origin), no framing, no sniffing, no referrer.
 */
export const appHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/**
 * The management API as a service, meant to sit behind the gateway under `/_acta/api`: the global
 * log (paged, filtered), streams, correlation flows, a live feed, dead letters, services,
 * projections, process managers and the other checkpointed consumers (relays, log subscriptions); and the dashboard app that shows them, at `/_acta/`.
 * Every API route needs the admin token; without it the answer is a 401 that reveals nothing.
 *
 * @example
 * const admin = await startService(adminService({ token: process.env.ACTA_ADMIN_TOKEN!, services: () => gateway.status() }))
 */
export function adminService(options: AdminServiceOptions): ServiceDefinition<AdminResources> {
  const { token } = options
  if (typeof token !== 'string' || token.length < minTokenLength)
    throw new Error(`The admin token must have at least ${minTokenLength} characters (set ACTA_ADMIN_TOKEN)`)
  const prefix = options.prefix ?? '/_acta/api'
  // the app calls the API relative to itself (`api/…`), so it lives one segment up
  const appPrefix =
    options.app !== false && prefix.endsWith('/api') ? prefix.slice(0, -'api'.length) : undefined
  return defineService<AdminResources>({
    name: 'acta-admin',
    ...(appPrefix ? { static: { root: dashboardDist, prefix: appPrefix, headers: appHeaders } } : {}),
    async setup(ctx) {
      if (appPrefix) await serveableApp(ctx.logger)
      const readStores = options.readStores ?? (await openReadStores(ctx.config.databaseUrl))
      // the bus's queues on this service's /metrics: one place for the whole deployment
      queueMetrics(ctx.metrics, ctx.transport)
      const readSide = readSideAdmin({
        store: ctx.store,
        documents: readStores.documents,
        leases: ctx.leases,
      })
      const sampler = overviewSampler({
        store: ctx.store,
        lags: async () =>
          Object.fromEntries((await readSide.status()).map((status) => [status.name, status.lagEvents])),
        ...(options.sampleIntervalMs ? { intervalMs: options.sampleIntervalMs } : {}),
        onError: (error) => ctx.logger.warn({ err: error }, 'overview sample failed'),
      })
      return {
        readStores: options.readStores ? { ...readStores, close: async () => undefined } : readStores,
        readSide,
        sampler: { ...sampler, close: () => sampler.stop() },
      }
    },
    routes: (r) => {
      let feed: ReturnType<typeof liveFeed> | undefined
      return [
        // the app's address without its slash: the app resolves `api/…` against the slash
        ...(appPrefix
          ? [
              r.get(appPrefix.slice(0, -1), () =>
                response(undefined, { status: 308, headers: { location: appPrefix } }),
              ),
            ]
          : []),
        ...readSideRoutes(r, { prefix, token }),
        ...consumerRoutes(r, { prefix, token }),
        r.get(`${prefix}/log`, (ctx, request) => {
          requireToken(token, request.headers)
          return readLogPage(ctx.store, request.query)
        }),
        r.get(`${prefix}/log/tail`, (ctx, request) => {
          requireToken(token, request.headers)
          return readLogTail(ctx.store, request.query)
        }),
        r.get(`${prefix}/streams/:id`, (ctx, request) => {
          requireToken(token, request.headers)
          return readStreamPage(ctx.store, request.params.id, request.query)
        }),
        r.get(`${prefix}/streams/:id/states`, async (ctx, request) => {
          requireToken(token, request.headers)
          const category = streamCategory(request.params.id)
          const decider = options.deciders?.[category]
          if (!decider)
            throw new HttpProblem({
              status: 404,
              title: 'Not Found',
              detail: `No decider is registered for category "${category}": time travel needs one`,
            })
          const read = await ctx.store.readStream(request.params.id)
          if (read.version === 0)
            throw new HttpProblem({
              status: 404,
              title: 'Not Found',
              detail: `Stream "${request.params.id}" has no events`,
            })
          return { streamId: request.params.id, category, ...replayStates(decider, read.events) }
        }),
        r.get(`${prefix}/overview`, (ctx, request) => {
          requireToken(token, request.headers)
          return response({ samples: ctx.sampler.samples() }, { headers: { 'cache-control': 'no-store' } })
        }),
        r.get(`${prefix}/flows/:correlationId`, async (ctx, request) => {
          requireToken(token, request.headers)
          const limit = integer(request.query, 'limit', {
            min: 1,
            max: maxCorrelationLimit,
            fallback: defaultCorrelationLimit,
          })
          // found through the store's correlation index, however long ago the flow ran
          const found = await ctx.store.readByCorrelation(request.params.correlationId, { limit })
          const events = found.map(eventJson)
          if (events.length === 0)
            throw new HttpProblem({
              status: 404,
              title: 'Not Found',
              detail: `No event of correlation "${request.params.correlationId}"`,
            })
          // `limit` events, when there may be more: the graph shows the first of them only
          const answer: FlowAnswer = {
            ...messageFlow(request.params.correlationId, events),
            truncated: found.length === limit,
          }
          return answer
        }),
        r.get(`${prefix}/dead-letters`, async (ctx, request) => {
          requireToken(token, request.headers)
          const letters = await ctx.transport.listDeadLetters(single(request.query, 'queue'))
          return { deadLetters: letters.map(deadLetterJson) }
        }),
        r.route('POST', `${prefix}/dead-letters/replay`, async (ctx, request) => {
          requireToken(token, request.headers)
          const ids = replayIds(request.body)
          const queue = single(request.query, 'queue')
          const chosen =
            ids === 'all' ? (await ctx.transport.listDeadLetters(queue)).map((letter) => letter.id) : ids
          return { replayed: await ctx.transport.replayDeadLetters(chosen) }
        }),
        r.get(`${prefix}/services`, async (_ctx, request) => {
          requireToken(token, request.headers)
          return options.services ? await options.services() : { services: {} }
        }),
        r.websocket(`${prefix}/live`, {
          open: (ctx, connection) => (feed ??= liveFeed(ctx.store, token)).open(connection),
          message: (ctx, connection, data) => (feed ??= liveFeed(ctx.store, token)).message(connection, data),
          close: (_ctx, connection) => feed?.close(connection),
        }),
      ]
    },
  })
}

async function serveableApp(logger: {
  info(m: string): void
  warn(m: string): void
  error(o: object, m: string): void
}) {
  try {
    if (!(await ensureDashboardBuilt((message) => logger.info(message))))
      logger.warn(`The dashboard app is not built (${dashboardDist}): run npm run build:dashboard`)
  } catch (error) {
    logger.error({ err: error }, 'The dashboard app could not be built; the API runs without it')
  }
}

function deadLetterJson(letter: DeadLetter) {
  return {
    id: letter.id,
    queue: letter.queue,
    attempts: letter.attempts,
    error: letter.error,
    failedAt: letter.failedAt.toISOString(),
    message: letter.message,
  }
}

function replayIds(body: unknown): readonly string[] | 'all' {
  const problem = () =>
    new HttpProblem({
      status: 400,
      title: 'Bad Request',
      detail: 'The body must be {"ids": ["<dead letter id>", …]} or {"all": true}',
    })
  if (typeof body !== 'object' || body === null) throw problem()
  const { ids, all } = body as Record<string, unknown>
  if (all === true && ids === undefined) return 'all'
  if (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== ''))
    return ids as string[]
  throw problem()
}
