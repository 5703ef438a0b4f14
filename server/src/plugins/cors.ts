import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/** Thin wrapper: `*` (the default) allows every origin, otherwise an explicit list. */
export default fp<{ origins: '*' | string[] }>(
  async (app, opts) => {
    await app.register(cors, {
      origin: opts.origins === '*' ? '*' : opts.origins,
      methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    })
  },
  { name: 'cors' },
)
