import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiError, ErrorCode } from '@marketsim/shared-types'
import { Errors, isApiError, type ApiErrorLike } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The contract code a schema-validation failure on this route answers with (default INVALID_REQUEST). */
    validationCode?: ErrorCode
  }
}

/** Fastify's own failures, mapped onto the contract's codes. */
const FASTIFY_CODES: Record<string, (message: string) => ApiErrorLike> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (m) => Errors.invalidJson(undefined, m),
  FST_ERR_CTP_EMPTY_JSON_BODY: (m) => Errors.invalidJson('The request body is empty but declared as JSON', m),
  FST_ERR_CTP_BODY_TOO_LARGE: (m) => Errors.payloadTooLarge(undefined, m),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (m) => Errors.unsupportedMediaType(undefined, m),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (m) => Errors.invalidRequest('Invalid Content-Length', m),
}

function toApiError(err: FastifyError, request: FastifyRequest): ApiErrorLike {
  if (err.validation) {
    const code = request.routeOptions.config?.validationCode ?? 'INVALID_REQUEST'
    const where = err.validationContext ?? 'request'
    const e = Errors.invalidRequest(`Invalid ${where}: ${err.message}`)
    e.code = code
    return e
  }
  if (isApiError(err) && !err.code.startsWith('FST_')) return err
  const mapped = FASTIFY_CODES[err.code]
  if (mapped) return mapped(err.message)
  if (err instanceof SyntaxError) return Errors.invalidJson(undefined, err.message)
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const e = Errors.invalidRequest(err.message)
    e.statusCode = status
    return e
  }
  return Errors.internal()
}

function envelope(err: ApiErrorLike): ApiError {
  const body: ApiError = { error: { code: err.code, message: err.message } }
  if (err.details !== undefined) body.error.details = err.details
  return body
}

function send(reply: FastifyReply, err: ApiErrorLike): FastifyReply {
  reply.request.failure ??= { code: err.code }
  if (err.headers) reply.headers(err.headers)
  return reply.code(err.statusCode).type('application/json; charset=utf-8').send(envelope(err))
}

function closingAnswer(err: ApiErrorLike) {
  const body = JSON.stringify(envelope(err))
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...err.headers }
  return { body, headers }
}

/**
 * The envelope written straight to a socket, for the answers no Fastify reply exists for (a
 * request Node's parser refused, a refused WebSocket handshake). The connection is closed: what
 * follows on it cannot be trusted to start at a request boundary.
 */
export function writeRaw(socket: Duplex, err: ApiErrorLike): void {
  const { body, headers } = closingAnswer(err)
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? ''}\r\n${head.join('\r\n')}\r\n\r\n${body}`)
}

/** Node's own errors: the timeout that cut a request, the parser's verdict on bytes that are not HTTP. */
function clientErrorOf(err: NodeJS.ErrnoException & { reason?: string }, timeouts: { headersTimeout: number; requestTimeout: number }): ApiErrorLike {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const s = (ms: number) => `${ms / 1000} s`
    return Errors.requestTimeout(undefined, `the headers must arrive within ${s(timeouts.headersTimeout)}, the whole request within ${s(timeouts.requestTimeout)}`)
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') return Errors.headersTooLarge('The request line and headers are larger than 16 KB', 'a long URL counts: put less in the query')
  return Errors.invalidRequest('The request is not valid HTTP/1.1', `${err.code ?? 'parse error'}${err.reason ? `: ${err.reason}` : ''}`)
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP server would answer itself (400 for bytes
 * that are not HTTP, 431, 408 when a timeout cuts a request) leaves in the envelope too.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has no one to answer; a response already under way cannot be replaced.
  const started = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent === true
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable || started) {
    socket.destroy()
    return
  }
  const apiErr = clientErrorOf(err, this.server)
  this.log.info({ code: apiErr.code, reason: err.code }, 'connection refused by the HTTP parser')
  writeRaw(socket, apiErr)
}

/**
 * Fastify's `frameworkErrors` option: failures found before routing (a malformed %-escape in
 * the path, a parameter over maxParamLength) would otherwise answer Fastify's own JSON shape.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const e = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? Errors.notFound('The path is too long', err.message) : Errors.invalidRequest('The URL is malformed', err.message)
  send(reply, e)
}

/** The one error handler and the 404 handler: every failure leaves as the contract's envelope. */
export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const apiErr = toApiError(err, request)
      // A refusal the code chose (a 4xx, NOT_READY, JOURNAL_UNAVAILABLE) is not an error: the
      // request's one log line names it (plugins/request-log.ts). What nothing chose is a bug.
      if (apiErr.code === 'INTERNAL_ERROR') request.log.error({ err }, 'request failed')
      request.failure = { code: apiErr.code, reason: err.message }
      return send(reply, apiErr)
    })
    app.setNotFoundHandler((request, reply) =>
      send(reply, Errors.notFound(`Route ${request.method} ${request.url.split('?')[0]} not found`)),
    )
    // Fastify's own 503 while closing is not the envelope (return503OnClosing is off in app.ts):
    // requests that still arrive on open connections are told here, and the connection closes.
    let closing = false
    app.addHook('preClose', async () => {
      closing = true
    })
    app.addHook('onRequest', (_req, reply, done) => {
      if (!closing) return done()
      reply.header('connection', 'close')
      done(Errors.notReady('The server is shutting down', 'retry in a moment, or on another instance'))
    })
    // Answers Node would otherwise write itself, empty: `Expect` it does not know (417), CONNECT.
    app.server.on('checkExpectation', (_req, res: ServerResponse) => {
      const err = Errors.invalidRequest('Only "Expect: 100-continue" is understood')
      err.statusCode = 417
      const { body, headers } = closingAnswer(err)
      res.writeHead(417, headers).end(body)
    })
    app.server.on('connect', (_req, socket: Duplex) => writeRaw(socket, Errors.methodNotAllowed('CONNECT is not supported: this server is not a proxy')))
  },
  { name: 'errors' },
)
