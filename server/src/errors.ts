/**
 * The one error catalogue. Every 4xx/5xx the API sends is built here (or mapped here from a
 * Fastify error) and leaves through the error handler in plugins/errors.ts as the contract's
 * envelope `{ error: { code, message, details? } }`.
 */
import createError from '@fastify/error'
import type { ErrorCode } from '@marketsim/shared-types'

export interface ApiErrorLike extends Error {
  code: ErrorCode
  statusCode: number
  details?: string
  /** Response headers the answer must carry (WWW-Authenticate on a 401, Retry-After on a 429). */
  headers?: Record<string, string>
}

function define<C extends ErrorCode>(code: C, statusCode: number, message: string) {
  const Ctor = createError<C, number, [string?]>(code, '%s', statusCode)
  return (text?: string, details?: string): ApiErrorLike => {
    const err = new Ctor(text ?? message) as unknown as ApiErrorLike
    if (details !== undefined) err.details = details
    return err
  }
}

export const Errors = {
  invalidTimeRange: define('INVALID_TIME_RANGE', 400, 'Invalid time range'),
  /** 400 when the name came in a list (`streams=`), 404 when it names the resource (`stream=`). */
  streamNotFound: (name: string, statusCode: 400 | 404 = 400): ApiErrorLike => {
    const err = define('STREAM_NOT_FOUND', statusCode, '')(`Unknown stream: ${name}`, name)
    return err
  },
  scenarioNotFound: (id: string) => define('SCENARIO_NOT_FOUND', 404, '')(`Unknown scenario: ${id}`, id),
  scenarioAlreadyActive: (id: string) =>
    define('SCENARIO_ALREADY_ACTIVE', 409, '')('Another scenario is running', `active: ${id}`),
  invalidScenario: define('INVALID_SCENARIO', 400, 'Invalid scenario request'),
  noActiveScenario: define('NO_ACTIVE_SCENARIO', 400, 'No scenario is active or settling'),
  /** `{ live: true }` that cannot be honoured: a fixed SIM_START, or a clock ahead of the wall clock. */
  clockConflict: define('CLOCK_CONFLICT', 409, 'The clock cannot return to the wall clock'),
  invalidRequest: define('INVALID_REQUEST', 400, 'Invalid request'),
  invalidJson: define('INVALID_JSON', 400, 'The request body is not valid JSON'),
  notFound: define('NOT_FOUND', 404, 'Not found'),
  payloadTooLarge: define('PAYLOAD_TOO_LARGE', 413, 'The request body is too large'),
  unsupportedMediaType: define('UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported content type'),
  /** RFC 6750: a missing token gets the bare challenge, a wrong one says `invalid_token`. */
  unauthorized: (wrong: boolean): ApiErrorLike => {
    const err = wrong
      ? define('UNAUTHORIZED', 401, '')('The admin token is wrong', 'the Bearer token does not match ADMIN_TOKEN')
      : define('UNAUTHORIZED', 401, '')('This control needs the admin token', 'send Authorization: Bearer <ADMIN_TOKEN>')
    err.headers = { 'www-authenticate': wrong ? 'Bearer realm="marketsim", error="invalid_token"' : 'Bearer realm="marketsim"' }
    return err
  },
  rateLimited: (retryAfterS: number, perMinute: number): ApiErrorLike => {
    const err = define('RATE_LIMITED', 429, '')(`Too many control requests: try again in ${retryAfterS} s`, `at most ${perMinute} per minute per client`)
    err.headers = { 'retry-after': String(retryAfterS) }
    return err
  },
  /** A control pressed from another site's page (CSRF): see README, "Protected controls". */
  originNotAllowed: define('ORIGIN_NOT_ALLOWED', 403, 'Controls are not accepted from this origin'),
  methodNotAllowed: define('METHOD_NOT_ALLOWED', 405, 'Method not allowed'),
  /** Answered by the HTTP server itself (plugins/errors.ts, clientError), never by a route. */
  requestTimeout: define('REQUEST_TIMEOUT', 408, 'The request was not received in time'),
  headersTooLarge: define('HEADERS_TOO_LARGE', 431, 'The request line and headers are too large'),
  notReady: define('NOT_READY', 503, 'The simulation is starting'),
  /** A control that could not be written to the journal: refused, so nothing happens that a restart would forget. */
  journalUnavailable: define('JOURNAL_UNAVAILABLE', 503, 'The control journal cannot be written'),
  internal: define('INTERNAL_ERROR', 500, 'Internal error'),
}

export function isApiError(err: unknown): err is ApiErrorLike {
  return err instanceof Error && typeof (err as ApiErrorLike).statusCode === 'number' && typeof (err as ApiErrorLike).code === 'string'
}
