import { response, type CommandSuccess, type RouteBuilder, type RouteDefinition } from '@acta/service'
import type { z } from 'zod'

/**
 * The 202 body of an accepted command: the recorded event types, the global log position of the
 * last one (give it to a read route as `?after=` to read your write), its stream and version.
 */
export interface Accepted {
  readonly events: readonly string[]
  readonly position: number | null
  readonly stream: string | null
  readonly version: number
}

/** The 202 answer of a handled command (see {@link Accepted}). */
export function accepted(result: CommandSuccess) {
  const body: Accepted = {
    events: result.events.map((event) => event.type),
    position: result.position ?? null,
    stream: result.events.at(-1)?.streamId ?? null,
    version: result.version,
  }
  return response(body, { status: 202 })
}

/**
 * `POST /api/commands/<name>`: the payload validated by `schema` (a mismatch is a 400 problem
 * listing every issue), handled inline by the handler registered on the command bus for `name`,
 * answered 202 with {@link Accepted}.
 *
 * @example
 * routes: (r) => todoCommandNames.map((name) => commandRoute(r, name, todoCommandSchemas[name]))
 */
export function commandRoute<R extends object>(
  r: RouteBuilder<R>,
  name: string,
  schema: z.ZodType,
): RouteDefinition<R> {
  return r.command('POST', `/api/commands/${name}`, {
    body: schema,
    invalidStatus: 400,
    toCommand: ({ body }) => ({ type: name, data: body }),
    result: accepted,
  })
}
