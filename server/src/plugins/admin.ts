import fs from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { Errors } from '../errors.js'

/**
 * Serves the built admin console at /admin. Deep links (/admin/streams/x) fall back to
 * index.html so the SPA router can take them. Without a build it says how to make one.
 */
export default fp<{ dir: string }>(
  async (app, opts) => {
    const index = path.join(opts.dir, 'index.html')
    if (!fs.existsSync(index)) {
      app.log.warn({ dir: opts.dir }, 'admin console is not built; /admin answers 503 (run npm run build)')
      const unavailable = async () => {
        const err = Errors.notReady('The admin console is not built', 'run `npm run build`')
        throw err
      }
      app.get('/admin/*', { schema: { hide: true } }, unavailable)
      return
    }
    await app.register(fastifyStatic, { root: opts.dir, prefix: '/admin/', decorateReply: true, wildcard: false, index: ['index.html'] })
    const spa = (_req: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html').sendFile('index.html', opts.dir)
    // Files Vite emitted are served above; any other path under /admin is a client-side route.
    app.get('/admin/*', { schema: { hide: true } }, (req, reply) => {
      const rel = (req.params as { '*': string })['*']
      if (rel.startsWith('assets/')) throw Errors.notFound(`No admin asset ${rel}`)
      return spa(req, reply)
    })
  },
  { name: 'admin' },
)
