/**
 * Overload on the real process: a clock at 3600× with clients on every stream is more than one
 * core can fan out. The server sheds load by slowing the world, not its answers: health and new
 * handshakes keep coming within a second, the clock state shows the speed the world really runs
 * at, and health says degraded with the reason. Bounded: 40 clients, about 15 s, 127.0.0.1 only.
 */
import { Worker } from 'node:worker_threads'
import t from 'tap'
import WebSocket from 'ws'
import { startServer } from '../scripts/lib/server-process.mjs'

const CLIENTS = 40
const LOAD_MS = 15_000

t.test('at 3600× with clients on every stream: answers within a second, the world slower, health says why', async (t) => {
  const server = await startServer({ env: { SIM_SPEED: '3600', SIM_HISTORY_DAYS: '2' } })
  t.teardown(() => server.stop())
  const sockets: WebSocket[] = []
  t.teardown(() => sockets.forEach((s) => s.terminate()))
  for (let i = 0; i < CLIENTS; i++) {
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws')
    await new Promise((r) => ws.once('open', r))
    ws.on('message', () => {}) // taken and dropped: the load is the server's fan-out
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['*'] }))
    sockets.push(ws)
  }
  // Timed from a thread of its own, so this test's busy socket handling does not count.
  const probe = new Worker(new URL('../scripts/lib/latency-probe.mjs', import.meta.url), { workerData: { url: server.url } })
  const probed = new Promise<{ health: number[]; handshake: number[]; healthFailures: number; handshakeFailures: number }>((r) => probe.once('message', r))
  const degraded: string[] = []
  let slowest: { speed: number; effectiveSpeed?: number } | undefined
  const start = Date.now()
  while (Date.now() - start < LOAD_MS) {
    await new Promise((r) => setTimeout(r, 1000))
    const clock = (await (await fetch(`${server.url}/api/simulation/clock`)).json()) as { speed: number; effectiveSpeed?: number }
    if (clock.effectiveSpeed !== undefined && (slowest?.effectiveSpeed === undefined || clock.effectiveSpeed < slowest.effectiveSpeed)) slowest = clock
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { status: string; reasons: Array<{ code: string; message: string }> }
    if (health.status === 'degraded') degraded.push(...health.reasons.map((r: { code: string; message: string }) => `${r.code}: ${r.message}`))
  }
  probe.postMessage('stop')
  const latency = await probed
  await probe.terminate()

  const worst = (xs: number[]) => Math.round(Math.max(...xs))
  t.equal(latency.healthFailures, 0, 'every health check answered')
  t.ok(worst(latency.health) < 1000, `health within a second: worst ${worst(latency.health)} ms of ${latency.health.length}`)
  t.ok(worst(latency.handshake) < 1000, `new WebSocket handshakes within a second: worst ${worst(latency.handshake)} ms of ${latency.handshake.length}`)
  t.ok(slowest && slowest.effectiveSpeed! < slowest.speed, `the clock state shows the world's real pace: ${slowest?.effectiveSpeed}× of ${slowest?.speed}×`)
  t.ok(
    degraded.some((d) => d.startsWith('OVERLOADED: the world runs at')),
    `health says degraded and why: ${degraded[0] ?? 'never'}`,
  )
})
