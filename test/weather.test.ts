/**
 * The weather of demand (sim/weather.ts): a persistent log-normal deviation per root stream,
 * mean 1, with the cv and hour-to-hour correlation its parameters state, keyed by seed, stream
 * and hour rather than drawn from the world's generator.
 */
import t from 'tap'
import type { StreamDef } from '@marketsim/shared-types'
import { Weather, weatherOf } from '../server/src/sim/weather.js'

const HOUR = 3_600_000
const stream = (name: string, cv: number) => ({ name, def: { cv } as StreamDef })
const PARAMS = { cvScale: 0.3, correlationHours: 6 }

function series(w: Weather, s: number, hours: number, from = 0): number[] {
  const out: number[] = []
  for (let h = from; h < from + hours; h++) out.push(w.at(s, h * HOUR + 123))
  return out
}

t.test('mean 1, the stated cv, and hours that follow one another', async (t) => {
  const w = new Weather(42, [stream('customer.tutor.search', 0.25)], PARAMS)
  const xs = series(w, 0, 40_000)
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const cv = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) / mean
  t.ok(Math.abs(mean - 1) < 0.01, `mean ${mean.toFixed(4)}`)
  t.ok(Math.abs(cv - 0.075) < 0.01, `cv ${cv.toFixed(4)} (catalog 0.25 × 0.3)`)
  const logs = xs.map(Math.log)
  const m = logs.reduce((a, b) => a + b, 0) / logs.length
  let num = 0
  let den = 0
  for (let i = 0; i < logs.length; i++) {
    den += (logs[i]! - m) ** 2
    if (i > 0) num += (logs[i]! - m) * (logs[i - 1]! - m)
  }
  const { phi } = weatherOf({ cv: 0.25 } as StreamDef, PARAMS)
  t.ok(Math.abs(num / den - phi) < 0.02, `lag-1 correlation ${(num / den).toFixed(3)} (stated ${phi.toFixed(3)})`)
  const step = xs.slice(1).map((x, i) => Math.abs(x / xs[i]! - 1)).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  t.ok(step < 0.04, `the median hour-to-hour change is ${(100 * step).toFixed(1)}%, not a third`)
})

t.test('the same hour is the same whatever else is asked; another seed or stream is other weather', async (t) => {
  const alone = new Weather(42, [stream('a', 0.3), stream('b', 0.3)], PARAMS)
  const busy = new Weather(42, [stream('a', 0.3), stream('b', 0.3)], PARAMS)
  series(busy, 1, 500) // stream b asked a lot first
  t.same(series(busy, 0, 200), series(alone, 0, 200), "stream a's weather does not depend on b's")
  t.not(series(new Weather(43, [stream('a', 0.3)], PARAMS), 0, 5).join(), series(alone, 0, 5).join(), 'another seed')
  t.not(series(alone, 1, 5).join(), series(new Weather(42, [stream('a', 0.3)], PARAMS), 0, 5).join(), 'another stream')
  t.same(series(new Weather(42, [stream('a', 0)], PARAMS), 0, 3), [1, 1, 1], 'cv 0: no weather')
})
