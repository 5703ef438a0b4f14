#!/usr/bin/env node
/**
 * Scoring a detector's week: POST /api/detector/score with a flag file covering 7 days of all
 * 50 streams, against the real server (30 days of history). The flags are those of a busy,
 * naive detector: every stream every `--every` minutes (default 1: about 500,000 flags, the
 * size a per-minute detector writes) plus a flag at each labelled window's start. Prints the
 * request size and the server's time to the last byte (median of `--runs`); exits 1 over the
 * budget (default 2,000 ms, the issue's).
 *
 *   npm run build && node scripts/bench-score.mjs [--every 1] [--runs 3] [--budget 2000]
 */
import { startServer } from './lib/server-process.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const every = arg('every', 1)
const runs = arg('runs', 3)
const budget = arg('budget', 2000)
const START = '2026-11-26T08:00:00Z'
const MIN = 60_000

const server = await startServer({ env: { LOG_LEVEL: 'warn', SIM_START: START, SIM_HISTORY_DAYS: '30', SIM_SPEED: '1' }, readyTimeoutMs: 180_000 })
try {
  const base = server.url
  const end = Date.parse(START)
  const start = end - 7 * 1440 * MIN
  const iso = (t) => new Date(t).toISOString()
  const streams = (await (await fetch(`${base}/api/streams`)).json()).streams.map((s) => s.name)
  const windows = (await (await fetch(`${base}/api/detector/windows?start=${iso(start)}&end=${iso(end)}`)).json()).windows
  const flags = windows.map((w) => ({ stream: w.stream, timestamp: w.start })).filter((f) => Date.parse(f.timestamp) >= start)
  for (let t = start; t < end; t += every * MIN) for (const s of streams) flags.push({ stream: s, timestamp: iso(t) })
  const body = JSON.stringify({ start: iso(start), end: iso(end), flags })
  const times = []
  let answer
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    const res = await fetch(`${base}/api/detector/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    answer = await res.json()
    times.push(performance.now() - t0)
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(answer).slice(0, 300)}`)
  }
  times.sort((a, b) => a - b)
  const median = Math.round(times[Math.floor(times.length / 2)])
  console.log(`score: ${flags.length.toLocaleString('en')} flags (${(body.length / 1e6).toFixed(1)} MB) over 7 days × ${streams.length} streams, ${windows.length} windows: median ${median} ms of ${runs} (${times.map((x) => Math.round(x)).join(', ')}); standard ${answer.scores.standard}`)
  if (median > budget) {
    console.log(`over the ${budget} ms budget`)
    process.exitCode = 1
  }
} finally {
  await server.stop()
}
