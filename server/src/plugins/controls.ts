import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { Errors, type ApiErrorLike } from '../errors.js'
import { adminTokenProblem, bearerMatcher } from '../controls/token.js'

export interface ControlsOptions {
  /** With a token, every state-changing endpoint needs `Authorization: Bearer <token>`; without, they are open (demo default). */
  adminToken?: string
  /** Control requests per minute and client IP when protected; unprotected controls are not limited (the contract: no rate limit). */
  rateLimitPerMinute: number
  /** CORS_ORIGINS: `*` or the origins whose pages may press controls. */
  origins: '*' | string[]
}

export interface ControlsService {
  /** True when ADMIN_TOKEN is set. */
  readonly protected: boolean
  /** The onRequest hook of every state-changing route: rate limit, the token, then where it came from. */
  readonly guard: onRequestAsyncHookHandler
}

declare module 'fastify' {
  interface FastifyInstance {
    controls: ControlsService
  }
}

/** The media type of a Content-Type header, lower-cased, without its parameters. */
const mediaType = (header: string | undefined) => header?.split(';')[0]!.trim().toLowerCase()

/** Whether an Origin header names the host the request was sent to (the console's own page). */
function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`http://${host}`).host
  } catch {
    return false // `null` (a sandboxed frame, a file) or garbage: not this server
  }
}

/**
 * Cross-site presses (CSRF). A browser sends a "simple" request (a form, or a no-cors fetch:
 * text/plain, urlencoded, multipart, or no body) from any page without asking first; a
 * request with `Content-Type: application/json` it sends only after a CORS preflight, which
 * CORS_ORIGINS answers. So: a body must be JSON, and a request that names another origin must
 * be one the preflight let through (JSON under `*`) or come from a listed origin. A request
 * without Origin is not a browser's cross-site one (browsers send it on every POST).
 */
function crossSiteProblem(req: FastifyRequest, origins: '*' | string[]): ApiErrorLike | undefined {
  const type = mediaType(req.headers['content-type'])
  if (type !== undefined && type !== 'application/json') {
    return Errors.unsupportedMediaType('Controls accept only Content-Type: application/json (or no body at all)', `got ${type.slice(0, 100)}`)
  }
  const origin = req.headers.origin
  if (origin === undefined || sameHost(origin, req.host)) return undefined
  if (origins === '*' ? type === 'application/json' : origins.includes(origin)) return undefined
  const from = `Origin ${origin.slice(0, 200)} is not this server (${req.host.slice(0, 200)})`
  return origins === '*'
    ? Errors.originNotAllowed('A control sent from another site must carry Content-Type: application/json', `${from}; without that type a browser asks no one before sending it`)
    : Errors.originNotAllowed('Controls are not accepted from this origin', `${from} and not in CORS_ORIGINS`)
}

/** The window of CONTROL_RATE_LIMIT: requests per minute. */
const RATE_WINDOW_MS = 60_000

/**
 * Guards the controls (scenario, stop, reset, clock). With a token, the limit comes first so
 * that guessing tokens is limited too; the token comes before the body is read, so a caller
 * without it learns nothing about what the endpoint would have accepted; then a press from
 * another site. Without a token nothing is limited: the open demo is for scripts and
 * integration tests that loop activate/stop/reset, and there is no secret to guess.
 */
export default fp<ControlsOptions>(
  async (app, opts) => {
    if (!Number.isInteger(opts.rateLimitPerMinute) || opts.rateLimitPerMinute < 1) {
      throw new Error(`rate limit: perMinute must be a positive integer (got ${String(opts.rateLimitPerMinute)})`)
    }
    if (opts.adminToken !== undefined) {
      const problem = adminTokenProblem(opts.adminToken)
      if (problem) throw new Error(`admin token ${problem}`)
    }
    const check = opts.adminToken === undefined ? undefined : bearerMatcher(opts.adminToken)
    let limit: ((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined
    if (check) {
      // A fixed window per client (req.ip, IPv6 by its /64); the 429 in the contract's envelope.
      await app.register(rateLimit, {
        global: false,
        max: opts.rateLimitPerMinute,
        timeWindow: RATE_WINDOW_MS,
        errorResponseBuilder: (_req, ctx) => Errors.rateLimited(Math.max(1, Math.ceil(ctx.ttl / 1000)), ctx.max),
      })
      limit = app.rateLimit()
    }
    const guard = async (req: FastifyRequest, reply: FastifyReply) => {
      if (limit) await limit(req, reply)
      if (check) {
        const verdict = check(req.headers.authorization)
        if (verdict !== 'ok') throw Errors.unauthorized(verdict === 'wrong')
      }
      const problem = crossSiteProblem(req, opts.origins)
      if (problem) throw problem
    }
    // `Content-Type: application/json` with an empty body is "no input" (stop, reset), as no
    // body is: a client that always sends the header must not have to invent a `{}`.
    const json = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => (body === '' ? done(null, undefined) : json(req, String(body), done)))
    app.decorate('controls', { protected: check !== undefined, guard })
  },
  { name: 'controls' },
)
