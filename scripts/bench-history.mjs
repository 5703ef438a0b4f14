#!/usr/bin/env node
/**
 * History benchmark: starts the real server (full volume, 30 days), measures how long until
 * /api/health answers 200, the simulated events per second of the build and the server's peak
 * RSS, then loads a 7-day × 50-stream history request with autocannon (10 connections).
 *
 *   npm run build && node scripts/bench-history.mjs [--seconds 10] [--connections 10]
 */
import fs from 'node:fs'
import autocannon from 'autocannon'
import { startServer } from './lib/server-process.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 10)
const connections = arg('connections', 10)
const START = '2026-11-26T08:00:00Z'

// The built server on a free loopback port, full volume (30 days); ready = health answers 200.
const t0 = performance.now()
const server = await startServer({ env: { LOG_LEVEL: 'info', SIM_START: START, SIM_HISTORY_DAYS: '30' } })
const readyMs = performance.now() - t0
const base = server.url
// The server logs its build time and event count when the world is ready.
const ready = JSON.parse(server.output().split('\n').find((l) => l.includes('"msg":"simulation ready')))
const peakRss = () => {
  const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024
}
const rssAfterBuild = peakRss()

const end = Date.parse(START)
const url = `${base}/api/simulation/history?start=${new Date(end - 7 * 86_400_000).toISOString()}&end=${new Date(end).toISOString()}`
const sample = await (await fetch(url)).json()
const points = Object.values(sample.streams).reduce((a, p) => a + p.length, 0)

// Uncached: each request for a different window forces the response to be computed.
const computed = []
for (let i = 0; i < 200; i++) {
  const shifted = `${base}/api/simulation/history?start=${new Date(end - 7 * 86_400_000 - i * 60_000).toISOString()}&end=${new Date(end).toISOString()}`
  const t = performance.now()
  await (await fetch(shifted)).arrayBuffer()
  computed.push(performance.now() - t)
}
computed.sort((a, b) => a - b)

const result = await autocannon({ url, connections, duration: seconds })
await server.stop()

const figures = {
  historyReadyMs: Math.round(readyMs),
  buildMs: ready.buildMs,
  simulatedEvents: ready.events,
  simulatedEventsPerSecond: Math.round(ready.events / (ready.buildMs / 1000)),
  peakRssMb: Math.round(Math.max(rssAfterBuild, 0)),
  history7dPoints: points,
  history7dP50Ms: result.latency.p50,
  history7dP99Ms: result.latency.p99,
  history7dRequestsPerSecond: Math.round(result.requests.average),
  history7dErrors: result.errors + result.non2xx,
  history7dComputedP50Ms: Math.round(computed[100] * 100) / 100,
  connections,
  seconds,
}
console.log(`history ready after process start : ${(figures.historyReadyMs / 1000).toFixed(2)} s (target ≤ 3 s)`)
console.log(`  of which the 30-day build        : ${(figures.buildMs / 1000).toFixed(2)} s, ${figures.simulatedEvents.toLocaleString('en')} events`)
console.log(`simulated events per second        : ${figures.simulatedEventsPerSecond.toLocaleString('en')}`)
console.log(`server peak RSS after build        : ${figures.peakRssMb} MB`)
console.log(`7-day × 50-stream history (${points} points), ${connections} connections, ${seconds} s:`)
console.log(`  p50 ${figures.history7dP50Ms} ms (target ≤ 3), p99 ${figures.history7dP99Ms} ms, ${figures.history7dRequestsPerSecond} req/s (target ≥ 3,000), errors ${figures.history7dErrors}`)
console.log(`  computed (cache miss), one client: p50 ${figures.history7dComputedP50Ms} ms`)
console.log(JSON.stringify(figures))
