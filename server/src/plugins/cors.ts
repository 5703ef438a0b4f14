import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/** Thin wrapper: `*` (the default) allows every origin, otherwise an explicit list. */
export default fp<{ origins: '*' | string[] }>(
  async (app, opts) => {
    await app.register(cors, {
      origin: opts.origins === '*' ? '*' : opts.origins,
      methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      // A strict preflight check answers a bare OPTIONS with a text/plain 400 outside the
      // envelope; an OPTIONS changes nothing, so it is simply answered with the CORS headers.
      strictPreflight: false,
    })
  },
  { name: 'cors' },
)
