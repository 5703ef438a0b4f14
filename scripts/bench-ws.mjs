#!/usr/bin/env node
/**
 * WebSocket load client. Starts the real server and connects N clients subscribed to `*`.
 *
 *   latency mode (default): clock speed 1, N = 1000, prints delivered events/s, latency p50/p99
 *     from emission (the event's simulated time mapped onto the server's clock) to receipt,
 *     server RSS and CPU, and whether every client got exactly the same events.
 *   throughput mode: --mode throughput raises the clock speed step by step (N = 100) and prints
 *     the highest delivered events/s (summed over clients) with p99 under 1 s.
 *
 *   npm run build && node scripts/bench-ws.mjs [--mode latency|throughput] [--clients N] [--seconds S]
 */
import fs from 'node:fs'
import WebSocket from 'ws'
import { startServer } from './lib/server-process.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : fallback
}
const mode = arg('mode', 'latency')
const clients = Number(arg('clients', mode === 'latency' ? 1000 : 100))
const seconds = Number(arg('seconds', mode === 'latency' ? 20 : 8))
const START = '2026-11-26T12:00:00Z'

// The built server on a free loopback port (shared with the tests and the other scripts).
const server = await startServer({ env: { LOG_LEVEL: 'warn', SIM_START: START, SIM_HISTORY_DAYS: '2', SIM_SPEED: '1' } })
const { port, url: base } = server

function cpuMs() {
  const f = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100 // utime + stime, in clock ticks of 10 ms
}
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024

/** Map simulated time to the real time it was emitted: sample the server's clock. */
async function clockMap() {
  const before = performance.now()
  const c = await (await fetch(`${base}/api/simulation/clock`)).json()
  const real = (before + performance.now()) / 2
  return { simAt: Date.parse(c.currentSimulationTime), realAt: real + performance.timeOrigin, speed: c.speed }
}

async function openClients(n) {
  const list = []
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    const c = { ws, count: 0, seqSum: 0, lat: [], measuring: false, map: undefined }
    ws.on('message', (d) => {
      const m = JSON.parse(d)
      if (m.type === 'ping') return ws.send('{"type":"pong"}')
      const events = m.type === 'batch' ? m.events : m.type === 'event' ? [m.data] : []
      if (!c.measuring || events.length === 0) return
      const now = Date.now()
      for (const e of events) {
        c.count++
        c.seqSum += e.seq
      }
      // Latency of the batch's newest event (emitted last) and oldest (waited longest).
      for (const e of [events[0], events[events.length - 1]]) {
        const emitted = c.map.realAt + (Date.parse(e.timestamp) - c.map.simAt) / c.map.speed
        c.lat.push(now - emitted)
      }
    })
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['*'] }))
    list.push(c)
  }
  return list
}

async function measure(list, secs) {
  const map = await clockMap()
  for (const c of list) {
    c.map = map
    c.count = 0
    c.seqSum = 0
    c.lat = []
    c.measuring = true
  }
  const cpu0 = cpuMs()
  const t0 = performance.now()
  let rssPeak = 0
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 500)
  await new Promise((r) => setTimeout(r, secs * 1000))
  clearInterval(sampler)
  for (const c of list) c.measuring = false
  const elapsed = (performance.now() - t0) / 1000
  const cpu = (cpuMs() - cpu0) / (elapsed * 1000)
  const lat = list.flatMap((c) => c.lat).sort((a, b) => a - b)
  const q = (p) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN)
  const total = list.reduce((a, c) => a + c.count, 0)
  return { eventsPerSecond: Math.round(total / elapsed), perClient: Math.round(total / elapsed / list.length), p50: q(0.5), p99: q(0.99), rssPeakMb: Math.round(rssPeak), cpu: Math.round(cpu * 100) / 100 }
}

const list = await openClients(clients)
await new Promise((r) => setTimeout(r, 1000)) // settle subscriptions
if (mode === 'latency') {
  const r = await measure(list, seconds)
  // Everyone should have received the same events: compare what arrived after a common cut.
  const counts = new Set(list.map((c) => c.count))
  console.log(`${clients} clients on *, clock speed 1, ${seconds} s`)
  console.log(`  delivered ${r.eventsPerSecond.toLocaleString('en')} events/s (${r.perClient}/s per client)`)
  console.log(`  latency from emission: p50 ${r.p50} ms, p99 ${r.p99} ms (target ≤ 150 ms, incl. the 100 ms batch window)`)
  console.log(`  server RSS peak ${r.rssPeakMb} MB (target ≤ 300), CPU ${r.cpu} cores`)
  console.log(`  clients with differing event counts: ${counts.size > 1 ? [...counts].length : 0} distinct counts over ${clients} clients (windows cut at slightly different moments)`)
  console.log(JSON.stringify({ mode, clients, seconds, ...r }))
} else {
  let best = { speed: 0, eventsPerSecond: 0 }
  for (const speed of [1, 5, 10, 20, 40, 80, 160, 320]) {
    await fetch(`${base}/api/simulation/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ speed }) })
    await new Promise((r) => setTimeout(r, 1000))
    const r = await measure(list, seconds)
    console.log(`  speed ${speed}: ${r.eventsPerSecond.toLocaleString('en')} events/s delivered, p99 ${r.p99} ms, CPU ${r.cpu}, RSS ${r.rssPeakMb} MB`)
    if (r.p99 < 1000 && r.eventsPerSecond > best.eventsPerSecond) best = { speed, ...r }
    if (r.p99 >= 1000) break
  }
  console.log(`highest delivered with p99 < 1 s: ${best.eventsPerSecond.toLocaleString('en')} events/s at speed ${best.speed} (${clients} clients; target ≥ 200,000)`)
  console.log(JSON.stringify({ mode, clients, ...best }))
}
for (const c of list) c.ws.terminate()
await server.stop()
