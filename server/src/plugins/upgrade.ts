import type { IncomingMessage, ServerResponse } from 'node:http'
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
    // An upgrade pipelined behind a request whose answer is still being written: Node hands
    // over the socket at once, @fastify/websocket cannot attach its reply to a busy socket and
    // left it open, unanswered and outside every timeout. It is routed once that answer is out.
    const routeUpgrade = app.server.listeners('upgrade') as Array<(...args: unknown[]) => void>
    app.server.removeAllListeners('upgrade')
    app.server.on('upgrade', function whenFree(req: IncomingMessage, socket: Duplex, head: Buffer) {
      // Several answers may be queued: each in turn takes the socket.
      const busy = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
      if (busy && !busy.writableFinished) busy.once('finish', () => setImmediate(whenFree, req, socket, head))
      else for (const l of routeUpgrade) l.call(app.server, req, socket, head)
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
