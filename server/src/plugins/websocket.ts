import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import { Errors } from '../errors.js'
import { Hub, type HubOptions } from '../ws/hub.js'

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub
  }
}

/**
 * Live events on /ws: one hub fed by the simulation's live stream. Upgrade requests on any
 * other path are refused (no other route accepts them). Sockets close before the server does.
 */
type Options = Omit<HubOptions, 'flushMs' | 'maxFrameBytes' | 'pulseMs' | 'catchupFrameBytes'> & { pulseMs?: number; catchupFrameBytes?: number; now?: () => number }

export default fp<Options>(
  async (app, opts) => {
    const feed = {
      ready: () => app.streams.ready,
      speed: () => app.simulation.clockState().speed,
      pace: () => {
        const { effectiveSpeed, lagMs } = app.simulation.clockState()
        return { effectiveSpeed, lagMs }
      },
      state: () => app.simulation.scenarios.state(),
      eventsBetween: (from: number, to: number) => app.simulation.sim.timelineEvents(from + 1, to),
    }
    const hub = new Hub(
      () => app.simulation.sim,
      {
        ...opts,
        pulseMs: opts.pulseMs ?? 1000,
        flushMs: 100,
        maxFrameBytes: 64 * 1024,
        catchupFrameBytes: opts.catchupFrameBytes ?? 64 * 1024,
        log: app.log,
        shedding: () => app.governor.shedding,
      },
      feed,
      opts.now,
    )
    app.decorate('hub', hub)
    // Frames above the 64 KB limit are answered with an error, not a dropped connection.
    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } })
    app.addHook('onReady', async () => hub.start())
    app.addHook('preClose', async () => hub.stop())
    // A plain GET (no upgrade) is answered in the envelope, not with @fastify/websocket's empty 404.
    app.route({
      method: 'GET',
      url: '/ws',
      schema: { hide: true },
      // The address (X-Forwarded-For when trustProxy says so) is what the catch-up budget counts.
      wsHandler: (socket, req) => {
        const ws = hub.add(socket, req.ip)
        // Connections and closes at info, with the connection's id and the request's (reqId).
        req.log.info({ ws, ip: req.ip }, `ws: connection ${ws} opened`)
        socket.once('close', (code: number, reason: Buffer) => req.log.info({ ws, code, reason: reason.toString() }, `ws: connection ${ws} closed (${code})`))
      },
      handler: async (_req, reply) => {
        reply.header('upgrade', 'websocket')
        const err = Errors.invalidRequest('/ws is a WebSocket endpoint: connect with an Upgrade: websocket request', 'see README, "WebSocket protocol"')
        err.statusCode = 426
        throw err
      },
    })
  },
  { name: 'websocket', dependencies: ['streams', 'load'] },
)
