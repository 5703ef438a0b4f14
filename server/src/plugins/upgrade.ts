import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import { Errors } from '../errors.js'
import { writeRaw } from './errors.js'

/** The one path that accepts a WebSocket upgrade. */
export const WS_PATH = '/ws'

/**
 * The upgrade path. @fastify/websocket sends every upgrade request through the router and, on
 * a route without a WebSocket handler, completed the handshake (101) only to close it: an
 * upgrade is refused here, in the envelope, unless it is for /ws. A handshake that `ws` itself
 * refuses (no key, a wrong version) is answered in the envelope rather than as `ws`'s text/html.
 */
export default fp(
  async (app) => {
    // After @fastify/websocket's own onRequest hook, which sets `request.ws`. A path no route
    // has is left to the 404 (no route, no handshake); only real routes other than /ws need this.
    app.addHook('onRequest', (req, reply, done) => {
      const route = req.routeOptions.url
      if (!req.ws || route === undefined || route === WS_PATH) return done()
      reply.header('connection', 'close')
      done(Errors.invalidRequest(`WebSocket upgrades are accepted only on ${WS_PATH}`, `${req.method} ${req.url.split('?')[0]!.slice(0, 200)} is not a WebSocket endpoint`))
    })
    // With a listener, `ws` hands its refusals here instead of writing them itself.
    app.websocketServer.on('wsClientError', (err: Error, socket: Duplex) => {
      const e = err.message === 'Invalid HTTP method' ? Errors.methodNotAllowed('A WebSocket handshake is a GET') : Errors.invalidRequest(`WebSocket handshake refused: ${err.message}`)
      if (err.message.includes('Sec-WebSocket-Version')) e.headers = { 'Sec-WebSocket-Version': '13, 8' }
      writeRaw(socket, e)
    })
  },
  { name: 'upgrade', dependencies: ['websocket'] },
)
