import fp from 'fastify-plugin'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { Errors } from '../errors.js'
import { adminTokenProblem, bearerMatcher } from '../controls/token.js'
import { RateLimiter } from '../controls/rate-limit.js'

export interface ControlsOptions {
  /** With a token, every state-changing endpoint needs `Authorization: Bearer <token>`; without, they are open (demo default). */
  adminToken?: string
  /** Control requests per minute and client IP, protected or not. */
  rateLimitPerMinute: number
  /** The clock of the rate limiter (real milliseconds). */
  now: () => number
}

export interface ControlsService {
  /** True when ADMIN_TOKEN is set. */
  readonly protected: boolean
  /** The onRequest hook of every state-changing route: rate limit, then the token. */
  readonly guard: onRequestAsyncHookHandler
}

declare module 'fastify' {
  interface FastifyInstance {
    controls: ControlsService
  }
}

/**
 * Guards the controls (scenario, stop, reset, clock). The limit comes first so that guessing
 * tokens is limited too; the token comes before the body is read, so a caller without it
 * learns nothing about what the endpoint would have accepted.
 */
export default fp<ControlsOptions>(
  async (app, opts) => {
    if (opts.adminToken !== undefined) {
      const problem = adminTokenProblem(opts.adminToken)
      if (problem) throw new Error(`admin token ${problem}`)
    }
    const limiter = new RateLimiter(opts.rateLimitPerMinute, opts.now)
    const check = opts.adminToken === undefined ? undefined : bearerMatcher(opts.adminToken)
    const guard = async (req: FastifyRequest) => {
      const rate = limiter.take(req.ip)
      if (!rate.allowed) throw Errors.rateLimited(rate.retryAfterS, limiter.perMinute)
      if (!check) return
      const verdict = check(req.headers.authorization)
      if (verdict !== 'ok') throw Errors.unauthorized(verdict === 'wrong')
    }
    app.decorate('controls', { protected: check !== undefined, guard })
  },
  { name: 'controls' },
)
