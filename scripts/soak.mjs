#!/usr/bin/env node
/**
 * Soak: does the server's memory plateau under sustained load? Starts the built server on
 * 127.0.0.1 at clock speed 600 (a simulated day every 2.4 minutes), connects WebSocket clients
 * that answer JSON pings (the allocator set as in the Dockerfile), and samples the server's RSS (/proc/<pid>/status) and /metrics every
 * few seconds for a bounded time. Prints RSS over time, events delivered, disconnects, and the
 * drift of the second half: (RSS at the end − RSS at the midpoint) / RSS at the midpoint.
 * Meanwhile a probe on its own thread times /api/health and fresh WebSocket handshakes, and the
 * clock state gives the speed the world really runs at and its lag (load shedding slows the
 * world, not the answers). Exits 1 if the drift is 10% or more, a client was disconnected
 * (other than as a slow consumer while the server sheds load), or any health check took 1 s.
 *
 *   npm run build && npm run soak -- [--seconds 120] [--clients 200] [--sample 5] [--history-days 30]
 *
 * Phases before the load, each followed by a line with RSS and heap: ready, five activate/reset
 * cycles, a backdated activation (ten simulated days back); then the clients connect and the
 * world runs under them, and a last reset ends it (RSS and heap once more).
 *
 * Topics: `*` at 600× is ~17,000 events/s per client; 200 of them (3.4 M events/s) would
 * measure the slow-consumer limit, not memory. The clients take a dashboard-like mix instead,
 * in rotation: one in 50 on `*`, the others on one domain, `anomalies`, or `pulse` + `simulation`.
 */
import fs from 'node:fs'
import { Worker } from 'node:worker_threads'
import WebSocket from 'ws'
import { arg } from './lib/cli.mjs'
import { deployedMallocEnv, startServer } from './lib/server-process.mjs'

const seconds = bounded('seconds', 120, 10, 3600)
const clients = bounded('clients', 200, 1, 1000)
const sampleS = bounded('sample', 5, 1, 60)
const historyDays = bounded('history-days', 30, 1, 90)
const DRIFT_LIMIT = 0.1
const MIX = [['*'], ['customer.*'], ['tutor.*'], ['session.*'], ['support.*'], ['marketing.*'], ['system.*'], ['anomalies'], ['pulse', 'simulation'], ['session.booking.*', 'anomalies']]

/** An integer flag within bounds: a soak is bounded in time and in connections. */
function bounded(name, fallback, min, max) {
  const v = Number(arg(name, fallback))
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}`)
    process.exit(2)
  }
  return v
}

const topicsFor = (i) => (i % 50 === 0 ? MIX[0] : MIX[1 + (i % (MIX.length - 1))])

const server = await startServer({ env: { SIM_SPEED: '600', SIM_HISTORY_DAYS: String(historyDays), SIM_START: '2026-11-26T08:00:00Z', ...deployedMallocEnv() }, readyTimeoutMs: 120_000 })
const wsUrl = server.url.replace('http', 'ws') + '/ws'

let events = 0
const disconnects = []
const sockets = []
let ending = false

const SEQ = Buffer.from('"seq":')
const PING = Buffer.from('{"type":"ping"')

/** Counts events in the raw frame, unparsed: the load client shares the cores and must not be the bottleneck. */
function onFrame(ws, data) {
  if (data.length < 32 && data.subarray(0, PING.length).equals(PING)) return ws.send('{"type":"pong"}')
  for (let i = data.indexOf(SEQ); i >= 0; i = data.indexOf(SEQ, i + SEQ.length)) events++
}

async function open(i) {
  const ws = new WebSocket(wsUrl)
  ws.on('message', (d) => onFrame(ws, d))
  ws.on('close', (code, reason) => {
    if (!ending) disconnects.push({ client: i, code, reason: String(reason) })
  })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  ws.send(JSON.stringify({ type: 'subscribe', topics: topicsFor(i) }))
  sockets.push(ws)
}

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024

async function scrape() {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const get = (...names) => Number(names.map((name) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]).find((v) => v !== undefined) ?? NaN)
  const clock = await (await fetch(`${server.url}/api/simulation/clock`)).json()
  const health = await (await fetch(`${server.url}/api/health`)).json()
  return {
    heapMb: get('nodejs_heap_used_bytes', 'nodejs_heap_size_used_bytes') / 2 ** 20,
    wsClients: get('marketsim_ws_clients'),
    lagS: get('marketsim_simulation_lag_seconds'),
    loopP99Ms: get('nodejs_eventloop_lag_p99_seconds') * 1000,
    effectiveSpeed: clock.effectiveSpeed ?? NaN,
    degraded: health.status === 'degraded' ? health.reasons.map((r) => r.code).join(',') : '',
  }
}

/** A control through the API; anything but 200 ends the soak (it measures a working server). */
async function control(path, body = {}) {
  const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 200) throw new Error(`${path} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`)
}

const phases = []
/** RSS and heap after a phase, printed and kept for the summary. */
async function phase(name) {
  const { heapMb } = await scrape()
  const row = { phase: name, rssMb: rssMb(), heapMb }
  phases.push(row)
  console.log(`${name.padEnd(30)} RSS ${row.rssMb.toFixed(1).padStart(6)} MB  heap ${heapMb.toFixed(1).padStart(6)} MB`)
}

const samples = []
const probe = new Worker(new URL('./lib/latency-probe.mjs', import.meta.url), { workerData: { url: server.url } })
const probed = new Promise((resolve) => probe.once('message', resolve))
try {
  await phase('ready')
  for (let i = 1; i <= 5; i++) {
    await control('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
    await control('/api/simulation/reset')
    await phase(`activate/reset cycle ${i}`)
  }
  const { currentSimulationTime } = await (await fetch(`${server.url}/api/simulation/clock`)).json()
  await control('/api/simulation/scenario', { scenarioId: 'supply-crisis', startTime: new Date(Date.parse(currentSimulationTime) - 10 * 86_400_000).toISOString() })
  await phase('backdated activation (10 days)')
  for (let i = 0; i < clients; i++) await open(i)
  const t0 = performance.now()
  let lastEvents = events
  let lastAt = t0
  const sample = async () => {
    const now = performance.now()
    const m = await scrape()
    const row = { t: Math.round((now - t0) / 1000), rssMb: rssMb(), ...m, eventsPerS: now > lastAt ? (events - lastEvents) / ((now - lastAt) / 1000) : NaN, events }
    lastEvents = events
    lastAt = now
    samples.push(row)
    const f = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-')
    console.log(
      `${f(row.t).padStart(5)} s  RSS ${f(row.rssMb, 1).padStart(6)} MB  heap ${f(row.heapMb, 1).padStart(6)} MB  clients ${f(row.wsClients).padStart(4)}  ` +
        `events/s ${f(row.eventsPerS).padStart(7)}  effective ${f(row.effectiveSpeed).padStart(4)}×  sim lag ${f(row.lagS, 1).padStart(6)} s  loop p99 ${f(row.loopP99Ms, 1).padStart(6)} ms  ${row.degraded ? 'degraded: ' + row.degraded : ''}`,
    )
  }
  console.log(`soak: ${clients} clients, clock ×600, ${historyDays} days of history, ${seconds} s, a sample every ${sampleS} s`)
  await sample()
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, sampleS * 1000))
    await sample()
  }
  await control('/api/simulation/reset')
  await phase(`reset after ${seconds} s at 600×`)
} finally {
  probe.postMessage('stop')
  ending = true
  for (const ws of sockets) ws.terminate()
  await server.stop()
}

// RSS saws up and down with the garbage collector (±5% here), so "RSS at" a moment is the
// median of the samples around it: at the midpoint within ±5% of the run, at the end its last 10%.
const latency = await probed
await probe.terminate()
const first = samples[0]
const last = samples.at(-1)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const around = (from, to) => median(samples.filter((x) => x.t >= from && x.t <= to).map((x) => x.rssMb))
const midRss = around(0.45 * last.t, 0.55 * last.t) ?? first.rssMb
const endRss = around(0.9 * last.t, last.t)
const drift = (endRss - midRss) / midRss
const peak = Math.max(...samples.map((x) => x.rssMb))
const delivered = (last.events - first.events) / (last.t - first.t)
const maxLag = Math.max(...samples.map((x) => x.lagS))
const loopP99 = median(samples.map((x) => x.loopP99Ms))
console.log(`\nRSS: ${first.rssMb.toFixed(0)} MB at the start, ${midRss.toFixed(0)} MB at the midpoint, ${endRss.toFixed(0)} MB at the end, peak ${peak.toFixed(0)} MB`)
console.log(`drift over the second half: ${(drift * 100).toFixed(1)}% (limit ${DRIFT_LIMIT * 100}%)`)
console.log(`delivered: ${Math.round(delivered).toLocaleString('en')} events/s to ${clients} clients (${last.events.toLocaleString('en')} events)`)
console.log(`simulation lag behind its clock: at most ${maxLag.toFixed(0)} simulated s; event-loop p99 median ${loopP99.toFixed(0)} ms`)
const pctl = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN)
const health = { p50: pctl(latency.health, 0.5), p99: pctl(latency.health, 0.99), max: Math.max(...latency.health) }
const handshake = { p50: pctl(latency.handshake, 0.5), max: Math.max(...latency.handshake) }
const speeds = samples.map((x) => x.effectiveSpeed).filter(Number.isFinite)
// Slow consumers closed (4008) are load shedding at work; anything else is a failure.
const slow = disconnects.filter((d) => d.code === 4008).length
const lost = disconnects.length - slow
console.log(`effective speed (clock at 600×): median ${median(speeds)?.toFixed(0) ?? '-'}×, min ${speeds.length ? Math.min(...speeds).toFixed(0) : '-'}×`)
console.log(`/api/health: p50 ${health.p50.toFixed(0)} ms, p99 ${health.p99.toFixed(0)} ms, max ${health.max.toFixed(0)} ms over ${latency.health.length} checks (limit 1000 ms)`)
console.log(`WebSocket handshake: p50 ${handshake.p50.toFixed(0)} ms, max ${handshake.max.toFixed(0)} ms over ${latency.handshake.length}`)
console.log(`disconnects: ${lost} unexpected, ${slow} slow consumers closed while shedding${lost ? ' ' + JSON.stringify(disconnects.filter((d) => d.code !== 4008).slice(0, 5)) : ''}`)
console.log(JSON.stringify({ phases, clients, seconds, historyDays, rssStartMb: first.rssMb, rssMidMb: midRss, rssEndMb: endRss, peakMb: peak, drift, eventsPerS: Math.round(delivered), maxLagS: maxLag, loopP99Ms: loopP99, effectiveSpeedMedian: median(speeds), healthMs: health, handshakeMs: handshake, disconnects: lost, slowConsumers: slow }))
process.exit(drift >= DRIFT_LIMIT || lost > 0 || !(health.max < 1000) ? 1 : 0)
