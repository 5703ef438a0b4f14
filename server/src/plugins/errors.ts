import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
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

function send(reply: FastifyReply, err: ApiErrorLike): FastifyReply {
  const body: ApiError = { error: { code: err.code, message: err.message } }
  if (err.details !== undefined) body.error.details = err.details
  if (err.headers) reply.headers(err.headers)
  return reply.code(err.statusCode).type('application/json; charset=utf-8').send(body)
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
      if (apiErr.statusCode >= 500) request.log.error({ err }, 'request failed')
      else request.log.info({ code: apiErr.code, reason: err.message }, 'request rejected')
      return send(reply, apiErr)
    })
    app.setNotFoundHandler((request, reply) =>
      send(reply, Errors.notFound(`Route ${request.method} ${request.url.split('?')[0]} not found`)),
    )
  },
  { name: 'errors' },
)
