import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** What a refused or failed request answered (set by the error handler): its request line says it. */
    failure?: { code: string; reason?: string }
  }
}

/**
 * One log line per request, when its answer has left: method, URL, status, time and, for an
 * error answer, its contract code. Fastify's own pair ("incoming request", "request completed")
 * is turned off in app.ts, so every request appears once. Expected refusals (a 4xx, a 503
 * NOT_READY while the history builds) are info like the rest; an unexpected failure is logged
 * at error level, with its stack, where it happens (plugins/errors.ts).
 */
export default fp(
  async (app) => {
    app.decorateRequest('failure', undefined)
    app.addHook('onResponse', async (req, reply) => {
      req.log.info({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime), ...req.failure }, 'request')
    })
  },
  { name: 'request-log' },
)
