import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify'
import { HttpProblem } from './problem.js'
import type { RawBody } from './routes.js'

const decoder = new TextDecoder('utf-8', { fatal: true })
const noBytes = Buffer.alloc(0)

/** A body as UTF-8 text: 415 when the Content-Type names another charset, 400 when it is not UTF-8. */
function utf8Text(headers: IncomingHttpHeaders, body: Buffer): string {
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(headers['content-type'] ?? '')?.[2]
  if (charset !== undefined && !/^utf-?8$/i.test(charset))
    throw new HttpProblem({ status: 415, detail: `Bodies must be UTF-8, not ${charset}` })
  try {
    return decoder.decode(body)
  } catch {
    throw new HttpProblem({ status: 400, detail: 'The body is not valid UTF-8' })
  }
}

/** JSON (`application/json`, `*+json`) and text bodies, refused with 400 when not valid UTF-8. */
export function utf8BodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  const parseJson: FastifyBodyParser<Buffer> = (request, body, done) => {
    let text: string
    try {
      text = utf8Text(request.headers, body)
    } catch (error) {
      done(error as Error, undefined)
      return
    }
    void json(request, text, done)
  }
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson)
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'buffer' }, parseJson)
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    try {
      done(null, utf8Text(request.headers, body))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
}

/**
 * Makes every body in an encapsulated scope arrive as its bytes, whatever its Content-Type, within
 * the server's body limit; the routes of other scopes keep their parsers.
 */
export function rawBodyParser(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body)
  })
}

/** The body of a request read by {@link rawBodyParser}, in the form the route asked for. */
export function rawBodyOf(kind: RawBody, request: FastifyRequest): Buffer | string {
  // a request without a body never reaches the parser
  const bytes = Buffer.isBuffer(request.body) ? request.body : noBytes
  return kind === 'buffer' ? bytes : utf8Text(request.headers, bytes)
}
