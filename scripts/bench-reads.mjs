#!/usr/bin/env node
/**
 * Expensive reads: what a distinct query of /api/simulation/correlations and of
 * /api/simulation/ground-truth over long ranges costs once the server is warm. Starts the real
 * server (30 days of history, clock at 1×), asks each endpoint once (the warm-up), then N
 * distinct queries each (other filters and ranges, so no response cache can answer them) one
 * after another, and prints p50/p99/max of the response times. Exits 1 when a p99 passes the
 * budget (default 50 ms).
 *
 *   npm run build && node scripts/bench-reads.mjs [--queries 100] [--budget 50]
 */
import { startServer } from './lib/server-process.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const queries = arg('queries', 100)
const budget = arg('budget', 50)
const START = '2026-11-26T08:00:00Z'

const server = await startServer({ env: { LOG_LEVEL: 'warn', SIM_START: START, SIM_HISTORY_DAYS: '30', SIM_SPEED: '1' }, readyTimeoutMs: 180_000 })
const base = server.url
const get = async (path) => {
  const t = performance.now()
  const res = await fetch(base + path)
  // Timed to the last byte: what the server costs, not this client's parsing of a megabyte.
  const bytes = await res.arrayBuffer()
  const ms = performance.now() - t
  const body = JSON.parse(Buffer.from(bytes).toString('utf8'))
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return { ms, body }
}
const figures = (list) => {
  const s = [...list].sort((a, b) => a - b)
  const at = (q) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10
  return { p50: at(0.5), p99: at(0.99), max: Math.round(s.at(-1) * 10) / 10 }
}

try {
  const now = Date.parse((await (await fetch(`${base}/api/simulation/state`)).json()).currentSimulationTime)
  const iso = (ms) => new Date(ms).toISOString()
  const streams = (await (await fetch(`${base}/api/streams`)).json()).streams.map((s) => s.name)

  const warm = await get('/api/simulation/correlations')
  const events = [...new Set(warm.body.correlations.map((c) => c.eventId))]
  const correlations = []
  for (let i = 0; i < queries; i++) {
    // Filters that each make a distinct URL: a stream, an event, a window starting a minute later each time.
    const q = [`stream=${streams[i % streams.length]}`, `eventId=${events[i % events.length]}`, `startTime=${iso(now - 20 * 86_400_000 + i * 60_000)}`][i % 3]
    correlations.push((await get(`/api/simulation/correlations?${q}`)).ms)
  }

  const month = `start=${iso(now - 29 * 86_400_000)}&end=${iso(now)}`
  const truthWarm = await get(`/api/simulation/ground-truth?${month}`)
  const truth = []
  for (let i = 0; i < queries; i++) {
    // 29- and 7-day ranges, each starting a minute later than the one before.
    const days = i % 2 === 0 ? 29 : 7
    truth.push((await get(`/api/simulation/ground-truth?start=${iso(now - days * 86_400_000 + i * 60_000)}&end=${iso(now)}`)).ms)
  }

  const result = {
    queries,
    budgetMs: budget,
    correlationsColdMs: Math.round(warm.ms),
    correlationRecords: warm.body.count,
    correlations: figures(correlations),
    groundTruthFirstMs: Math.round(truthWarm.ms),
    groundTruth29dEffects: truthWarm.body.count,
    groundTruth29dBytes: JSON.stringify(truthWarm.body).length,
    groundTruth: figures(truth),
  }
  console.log(JSON.stringify(result, null, 2))
  const over = [['correlations', result.correlations.p99], ['ground-truth', result.groundTruth.p99]].filter(([, p99]) => p99 > budget)
  for (const [what, p99] of over) console.error(`FAIL: a distinct ${what} query took ${p99} ms at p99 (budget ${budget} ms)`)
  process.exitCode = over.length > 0 ? 1 : 0
} finally {
  await server.stop()
}
