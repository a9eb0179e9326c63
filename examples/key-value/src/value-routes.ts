import { ActaError, ValidationError, uuidv7, type Command } from '@acta/core'
import {
  HttpProblem,
  response,
  type Context,
  type QueryValues,
  type RouteBuilder,
  type RouteDefinition,
} from '@acta/service'
import type { Channels } from './channels.js'
import type { CommandOutcomes, Outcome } from './command-outcomes.js'
import { keyProblem, valueProblem, type DeleteValue, type PutValue } from './key-value.js'
import { connectionClosedType, connectionOpenedType, eventsPath } from './live-frames.js'
import type { ValuesModel } from './values-model.js'

/** What the routes need besides the runtime's context: `setup` returns it. */
export interface KeyValueResources {
  /** The outbox relay, stopped on close. */
  readonly relay: { close(): Promise<void> }
  readonly values: ValuesModel
  readonly outcomes: CommandOutcomes
  readonly kv: {
    readonly channels: Channels
    /** Where command handlers reply to this replica. */
    readonly replyTopic: string
    /** How long a write waits for its outcome, and a read for `?after=`. */
    readonly waitTimeoutMs: number
  }
}

type Ctx = Context<KeyValueResources>

/** The HTTP and websocket routes of a replica. */
export function valueRoutes(r: RouteBuilder<KeyValueResources>): RouteDefinition<KeyValueResources>[] {
  return [
    r.get('/values', (ctx) => ({ position: ctx.values.position, values: ctx.values.list() })),
    r.get('/values/*', (ctx, req) => {
      const key = keyOf(req.params['*'])
      const after = afterOf(req.query)
      if (after === undefined) return found(ctx, key)
      return ctx.values.caughtUp(key, after, ctx.kv.waitTimeoutMs).then((caughtUp) => {
        if (!caughtUp)
          throw new HttpProblem({
            type: 'urn:acta:problem:not-applied',
            status: 504,
            title: 'Not applied in time',
            detail: `This replica did not apply log position ${after} within ${ctx.kv.waitTimeoutMs} ms`,
          })
        return found(ctx, key)
      })
    }),
    // the value is the raw body, whatever its Content-Type: the seed's `curl -d myvalue` sends
    // `application/x-www-form-urlencoded`, its demo `application/json`
    r.route(
      'PUT',
      '/values/*',
      async (ctx, req) => {
        const key = keyOf(req.params['*'])
        const value = valueOf(req.body)
        const outcome = await run<PutValue>(ctx, { type: 'PutValue', data: { key, value } })
        return response({ key, value, message: 'OK' }, { headers: positionHeader(outcome) })
      },
      { rawBody: 'text' },
    ),
    r.route('DELETE', '/values/*', async (ctx, req) => {
      const key = keyOf(req.params['*'])
      const outcome = await run<DeleteValue>(ctx, { type: 'DeleteValue', data: { key } })
      const message = outcome.kind === 'recorded' ? '1' : '0'
      return response({ key, message }, { headers: positionHeader(outcome) })
    }),
    r.websocket(eventsPath, {
      open: (ctx, connection) =>
        notify(ctx, ctx.kv.channels.connectionOpened, connectionOpenedType, connection.id),
      close: (ctx, connection) =>
        notify(ctx, ctx.kv.channels.connectionClosed, connectionClosedType, connection.id),
    }),
  ]
}

function found(ctx: Ctx, key: string) {
  const value = ctx.values.get(key)
  return value === undefined ? response(undefined, { status: 404 }) : { key, value }
}

function keyOf(raw: string): string {
  const problem = keyProblem(raw)
  if (problem !== undefined) throw new ValidationError(problem)
  return raw
}

function valueOf(body: string): string {
  const problem = valueProblem(body)
  if (problem !== undefined) throw new ValidationError(problem)
  return body
}

function afterOf(query: QueryValues): number | undefined {
  const after = query.after
  if (after === undefined) return undefined
  if (typeof after !== 'string' || !/^\d{1,15}$/.test(after))
    throw new ValidationError('after must be a log position: a non-negative integer')
  return Number(after)
}

function positionHeader(outcome: Outcome): Record<string, string> {
  return outcome.kind === 'recorded' ? { 'acta-position': String(outcome.position) } : {}
}

/**
 * Sends the command to the queue every replica serves and waits until this replica knows its
 * outcome: its event applied to the model here (so a GET on this replica already sees it), or a
 * reply saying nothing was recorded.
 */
async function run<C extends Command>(ctx: Ctx, command: C): Promise<Exclude<Outcome, { kind: 'refused' }>> {
  const messageId = uuidv7()
  const { waitTimeoutMs, channels, replyTopic } = ctx.kv
  const wait = ctx.outcomes.expect(messageId, waitTimeoutMs)
  try {
    const metadata = { messageId, correlationId: ctx.correlationId, replyTopic }
    await ctx.commandBus.send({ ...command, metadata }, { queue: channels.commandQueue })
  } catch (error) {
    wait.cancel()
    throw error
  }
  const outcome = await wait.outcome
  if (outcome === undefined)
    throw new HttpProblem({
      type: 'urn:acta:problem:outcome-timeout',
      status: 504,
      title: 'Outcome not seen in time',
      detail: `The command was queued, but its outcome did not reach this replica within ${waitTimeoutMs} ms; it may still be applied`,
      messageId,
    })
  if (outcome.kind === 'refused') throw new ActaError(outcome.code, outcome.message)
  return outcome
}

async function notify(ctx: Ctx, topic: string, type: string, id: string): Promise<void> {
  try {
    await ctx.transport.publish(topic, { type, data: { id } })
  } catch (error) {
    ctx.logger.warn({ err: error, connection: id }, 'connection notice not published')
  }
}
