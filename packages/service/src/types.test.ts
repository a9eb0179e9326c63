import type { IncomingHttpHeaders } from 'node:http'
import type { CommandBus, EventStore } from '@acta/core'
import type { Logger } from 'pino'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import type { PathParams, QueryValues } from './routes.js'

describe('types', () => {
  it('reads path parameters from the path', () => {
    expectTypeOf<PathParams<'/values/:key'>>().toEqualTypeOf<{ readonly key: string }>()
    expectTypeOf<PathParams<'/a/:x/b/:y'>>().toEqualTypeOf<{ readonly x: string; readonly y: string }>()
    expectTypeOf<PathParams<'/files/*'>>().toEqualTypeOf<{ readonly '*': string }>()
    expectTypeOf<keyof PathParams<'/healthz'>>().toEqualTypeOf<never>()
  })

  it('gives every handler the resources setup returned and the schemas’ outputs', () => {
    defineService({
      name: 'typed',
      setup: () => ({ values: new Map<string, number>() }),
      routes: (r) => [
        r.get('/values/:key', (ctx, req) => {
          expectTypeOf(ctx.values).toEqualTypeOf<Map<string, number>>()
          expectTypeOf(ctx.store).toEqualTypeOf<EventStore>()
          expectTypeOf(ctx.commandBus).toEqualTypeOf<CommandBus>()
          expectTypeOf(ctx.logger).toEqualTypeOf<Logger>()
          expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>()
          expectTypeOf(req.params.key).toEqualTypeOf<string>()
          return ctx.values.get(req.params.key)
        }),
        r.command('PUT', '/values/:key', {
          body: z.object({ value: z.number() }),
          toCommand: (input, ctx) => {
            expectTypeOf(input.body).toEqualTypeOf<{ value: number }>()
            expectTypeOf(input.params).toEqualTypeOf<{ readonly key: string }>()
            expectTypeOf(input.query).toEqualTypeOf<QueryValues>()
            expectTypeOf(input.headers).toEqualTypeOf<IncomingHttpHeaders>()
            expectTypeOf(ctx.values).toEqualTypeOf<Map<string, number>>()
            return { type: 'put', data: { key: input.params.key, value: input.body.value } }
          },
        }),
        r.route(
          'PUT',
          '/files/:name',
          (_ctx, req) => {
            expectTypeOf(req.body).toEqualTypeOf<Buffer>()
            expectTypeOf(req.params.name).toEqualTypeOf<string>()
          },
          { rawBody: 'buffer' },
        ),
        r.route('POST', '/notes', (_ctx, req) => expectTypeOf(req.body).toEqualTypeOf<string>(), {
          rawBody: 'text',
        }),
        r.route('POST', '/parsed', (_ctx, req) => expectTypeOf(req.body).toEqualTypeOf<unknown>()),
        r.command('PUT', '/notes/:id', {
          rawBody: 'text',
          toCommand: ({ params, body }) => {
            expectTypeOf(body).toEqualTypeOf<string>()
            return { type: 'write', data: { id: params.id, text: body } }
          },
        }),
        r.query('/search', {
          query: z.object({ limit: z.coerce.number() }),
          handler: (ctx, { query }) => {
            expectTypeOf(query.limit).toEqualTypeOf<number>()
            return [...ctx.values].slice(0, query.limit)
          },
        }),
        r.websocket('/rooms/:room', {
          open: (ctx, connection) => {
            expectTypeOf(connection.params.room).toEqualTypeOf<string>()
            ctx.broadcast('/rooms/:room', { joined: connection.id })
          },
        }),
      ],
      subscriptions: (s) => [
        s.log((ctx, event) => {
          expectTypeOf(ctx.values).toEqualTypeOf<Map<string, number>>()
          ctx.values.set(event.streamId, event.globalPosition)
        }),
      ],
    })
  })
})
