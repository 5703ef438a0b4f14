import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'

/** Names shown in the refusal: a hostile query can hold thousands. */
const SHOWN = 5

/**
 * Unknown query parameters are a 400 (INVALID_REQUEST naming them), on every GET route of the
 * API and on /metrics. A parameter no route reads changes nothing but the URL, so `?x=N` made
 * each request a distinct, uncached computation; and a misspelt filter (`?steam=`) silently
 * answered the unfiltered list. A route without a querystring schema takes no parameters.
 * Must be registered before the routes (it hooks their registration).
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat()
      if (!methods.includes('GET') && !methods.includes('HEAD')) return
      if (!route.url.startsWith('/api/') && route.url !== '/metrics') return
      const query = route.schema?.querystring as { properties?: Record<string, unknown> } | undefined
      const known = new Set(Object.keys(query?.properties ?? {}))
      const refuse = async (req: FastifyRequest) => {
        const unknown = Object.keys(req.query as object).filter((k) => !known.has(k))
        if (unknown.length === 0) return
        const names = unknown.slice(0, SHOWN).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k))
        const more = unknown.length > SHOWN ? ` and ${unknown.length - SHOWN} more` : ''
        throw Errors.invalidRequest(
          `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${names.join(', ')}${more}`,
          known.size > 0 ? `this route accepts: ${[...known].join(', ')}` : 'this route takes no query parameters',
        )
      }
      route.preValidation = [refuse, ...[route.preValidation ?? []].flat()]
    })
  },
  { name: 'strict-query' },
)
