/**
 * A worker thread that times the server as a load balancer and a new client see it: GET
 * /api/health every 500 ms and a fresh WebSocket handshake every 2 s, each with a 30 s cap.
 * On its own event loop, so the load client's busy main thread does not inflate the figures.
 * Posts { health: ms[], handshake: ms[], healthFailures, handshakeFailures } when told 'stop'.
 */
import { parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'

const { url } = workerData
const CAP_MS = 30_000
const out = { health: [], handshake: [], healthFailures: 0, handshakeFailures: 0 }
let running = true

async function timeHealth() {
  const t0 = performance.now()
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(CAP_MS) })
    await res.text()
    out.health.push(performance.now() - t0)
  } catch {
    out.healthFailures++
    out.health.push(CAP_MS)
  }
}

function timeHandshake() {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws')
    const cap = setTimeout(() => {
      out.handshakeFailures++
      out.handshake.push(CAP_MS)
      ws.terminate()
      resolve()
    }, CAP_MS)
    ws.once('open', () => {
      clearTimeout(cap)
      out.handshake.push(performance.now() - t0)
      ws.close()
      resolve()
    })
    ws.once('error', () => {
      clearTimeout(cap)
      out.handshakeFailures++
      resolve()
    })
  })
}

parentPort.on('message', (m) => {
  if (m === 'stop') running = false
})

let n = 0
while (running) {
  await timeHealth()
  if (n++ % 4 === 0) await timeHandshake()
  await new Promise((r) => setTimeout(r, 500))
}
parentPort.postMessage(out)
