import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { FieldDomain, PayloadShift, ScenarioDefinition, StreamsFile } from '@marketsim/shared-types'
import { compilePayload, formatIso } from '../server/src/sim/payload.js'
import { entityId } from '../server/src/sim/ids.js'
import { Rng } from '../server/src/sim/rng.js'
import { ROOT_DIR } from './helpers.js'

const streams = (JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'config/streams.json'), 'utf8')) as StreamsFile).streams
const SAMPLES = 2_000
const T0 = Date.UTC(2025, 0, 16, 14, 30, 0, 250)
const SUFFIX = /^[a-z0-9]{9}$/
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/** The event time of sample i: spread over several days, not on whole seconds. */
const timeOf = (i: number) => T0 + i * 197_531

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function decimalsOk(x: number, decimals: number): boolean {
  return Number(x.toFixed(decimals)) === x
}

/** Why `v` (drawn at timeMs) is outside `d`, or undefined when it is inside. */
function domainProblem(d: FieldDomain, v: unknown, timeMs: number): string | undefined {
  const bad = (why: string) => `${JSON.stringify(v)}: ${why}`
  switch (d.type) {
    case 'id':
      return typeof v === 'string' && v.startsWith(d.prefix) && SUFFIX.test(v.slice(d.prefix.length)) ? undefined : bad(`not ${d.prefix} + 9 [a-z0-9]`)
    case 'indexedId': {
      const m = typeof v === 'string' ? new RegExp(`^${escapeRegExp(d.prefix)}(-?\\d+)$`).exec(v) : null
      const n = m ? Number(m[1]) : NaN
      return n >= d.min && n <= d.max ? undefined : bad(`not ${d.prefix}<${d.min}..${d.max}>`)
    }
    case 'enum':
      return d.values.includes(v as string | number) ? undefined : bad('not one of the values')
    case 'int':
      return Number.isInteger(v) && (v as number) >= d.min && (v as number) <= d.max ? undefined : bad(`not an integer in [${d.min}, ${d.max}]`)
    case 'number':
      return typeof v === 'number' && v >= d.min && v <= d.max && decimalsOk(v, d.decimals)
        ? undefined
        : bad(`not a number in [${d.min}, ${d.max}] with ${d.decimals} decimals`)
    case 'subset': {
      if (!Array.isArray(v)) return bad('not an array')
      if (v.length < d.min || v.length > Math.min(d.max, d.values.length)) return bad(`size outside ${d.min}..${d.max}`)
      const idx = v.map((x) => d.values.indexOf(x))
      if (idx.some((i) => i < 0)) return bad('a member is not one of the values')
      for (let i = 1; i < idx.length; i++) if (idx[i]! <= idx[i - 1]!) return bad('members repeat or are out of values order')
      return undefined
    }
    case 'datetime':
      if (typeof v !== 'string' || !ISO_SECONDS.test(v)) return bad('not ISO-8601 to the second with Z')
      return Date.parse(v) === Math.floor(timeMs / 1000) * 1000 ? undefined : bad(`not the event time ${new Date(timeMs).toISOString()}`)
    case 'date':
      return v === new Date(timeMs).toISOString().slice(0, 10) ? undefined : bad('not the event date as YYYY-MM-DD')
    case 'ipv4': {
      const parts = typeof v === 'string' ? v.split('.') : []
      if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return bad('not a dotted quad')
      const first = Number(parts[0])
      return first >= 1 && first <= 223 && first !== 10 && first !== 127 ? undefined : bad('implausible first octet')
    }
    case 'pattern': {
      const re = new RegExp(`^${d.pattern.split('#').map(escapeRegExp).join('\\d')}$`)
      return typeof v === 'string' && re.test(v) ? undefined : bad(`does not match ${d.pattern}`)
    }
    case 'text':
      return d.examples.includes(v as string) ? undefined : bad('not one of the examples')
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 ? undefined : bad('not {}')
  }
}

function generate(fields: Record<string, FieldDomain>, seed: number, n: number, shift?: PayloadShift) {
  const gen = compilePayload(fields, shift)
  const rng = new Rng(seed, 'payload-test')
  return Array.from({ length: n }, (_, i) => gen(rng, timeOf(i)))
}

function shares(values: unknown[]): Map<unknown, number> {
  const m = new Map<unknown, number>()
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1)
  for (const [k, c] of m) m.set(k, c / values.length)
  return m
}

t.test('every stream: fields present, values in their domains, optional and weighted shares', async (t) => {
  t.equal(streams.length, 50)
  const typesSeen = new Set(streams.flatMap((s) => Object.values(s.payload).map((d) => d.type)))
  t.same([...typesSeen].sort(), ['date', 'datetime', 'enum', 'id', 'indexedId', 'int', 'ipv4', 'number', 'object', 'pattern', 'subset', 'text'], 'streams.json exercises every domain type')
  for (const stream of streams) {
    t.test(stream.name, async (t) => {
      const fields = stream.payload
      const names = Object.keys(fields)
      const payloads = generate(fields, 20250116, SAMPLES)
      const problems: string[] = []
      payloads.forEach((p, i) => {
        const keys = Object.keys(p)
        const declared = names.filter((n) => n in p)
        if (keys.join() !== declared.join()) problems.push(`#${i}: keys ${keys.join()} are not declared fields in declaration order`)
        for (const name of names) {
          const d = fields[name]!
          if (!(name in p)) {
            if (d.optional === undefined) problems.push(`#${i}: required field ${name} is missing`)
            continue
          }
          const why = domainProblem(d, p[name], timeOf(i))
          if (why) problems.push(`#${i}: ${name} = ${why}`)
        }
      })
      t.same(problems.slice(0, 10), [], 'every payload lies in its domains')

      for (const [name, d] of Object.entries(fields)) {
        const carrying = payloads.filter((p) => name in p)
        if (d.optional !== undefined) {
          const share = carrying.length / SAMPLES
          t.ok(Math.abs(share - d.optional) <= 0.05, `${name} appears in ${(share * 100).toFixed(1)}% of events, expected ${d.optional * 100}% ±5`)
        }
        if (d.type === 'enum') {
          const got = shares(carrying.map((p) => p[name]))
          const total = (d.weights ?? []).reduce((a, b) => a + b, 0)
          d.values.forEach((v, i) => {
            const share = got.get(v) ?? 0
            if (d.weights) {
              const expected = d.weights[i]! / total
              t.ok(Math.abs(share - expected) <= 0.03, `${name} = ${v}: ${(share * 100).toFixed(1)}%, expected ${(expected * 100).toFixed(1)}% ±3`)
            } else t.ok(share > 0, `${name} = ${v} occurs`)
          })
        }
      }
    })
  }
})

t.test('rating_score follows its weights: 5 in about 60% of ratings', async (t) => {
  const stream = streams.find((s) => s.name === 'session.rating.submitted_by_student')!
  const got = shares(generate(stream.payload, 7, SAMPLES).map((p) => p.rating_score))
  t.ok(Math.abs(got.get(5)! - 0.6) <= 0.03, `5 in ${(got.get(5)! * 100).toFixed(1)}%`)
  t.ok(Math.abs(got.get(1)! - 0.03) <= 0.03, `1 in ${(got.get(1)! * 100).toFixed(1)}%`)
})

t.test('the same seed gives the same payloads, another seed different ones', async (t) => {
  for (const stream of streams) {
    const a = generate(stream.payload, 1, 100)
    const b = generate(stream.payload, 1, 100)
    const c = generate(stream.payload, 2, 100)
    t.same(a, b, `${stream.name}: seed 1 twice`)
    // A stream of only event-time fields (or constants) could not differ; every shipped one can.
    t.notSame(a, c, `${stream.name}: seed 1 vs seed 2`)
  }
})

t.test('payloadShift weights replace an enum distribution', async (t) => {
  const rating = streams.find((s) => s.name === 'session.rating.submitted_by_student')!
  const onlyOnes = generate(rating.payload, 3, SAMPLES, { rating_score: { weights: { '1': 1 } } })
  t.ok(
    onlyOnes.every((p) => p.rating_score === 1),
    'shifting rating_score to {"1": 1} gives only the number 1',
  )
  t.ok(
    onlyOnes.every((p) => typeof p.session_id === 'string'),
    'other fields are still drawn',
  )
  const before = JSON.stringify(rating.payload)
  compilePayload(rating.payload, { rating_score: { weights: { '2': 1 } } })
  t.equal(JSON.stringify(rating.payload), before, 'compiling a shift leaves the domains untouched')

  // The shifts the shipped scenarios carry.
  const dir = path.join(ROOT_DIR, 'config/scenarios')
  let checked = 0
  for (const file of fs.readdirSync(dir).filter((f) => f !== 'index.json')) {
    const def = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ScenarioDefinition
    for (const [streamName, mod] of Object.entries(def.affectedStreams)) {
      if (!mod.payloadShift) continue
      const stream = streams.find((s) => s.name === streamName)!
      const payloads = generate(stream.payload, 11, SAMPLES, mod.payloadShift)
      for (const [field, shift] of Object.entries(mod.payloadShift)) {
        if (!('weights' in shift)) continue
        checked++
        const d = stream.payload[field]!
        const got = shares(payloads.map((p) => p[field]))
        const total = Object.values(shift.weights).reduce((a, b) => a + b, 0)
        if (d.type !== 'enum') throw new Error(`${field} is not an enum`)
        for (const v of d.values) {
          const expected = (shift.weights[String(v)] ?? 0) / total
          const share = got.get(v) ?? 0
          t.ok(Math.abs(share - expected) <= 0.03, `${file}: ${field} = ${v} in ${(share * 100).toFixed(1)}%, expected ${(expected * 100).toFixed(1)}% ±3`)
        }
      }
    }
  }
  t.ok(checked >= 3, 'the shipped weight shifts were checked')
})

t.test('payloadShift scale multiplies numbers and clamps them to the domain', async (t) => {
  const resolved = streams.find((s) => s.name === 'support.ticket.resolved')!
  const field = 'resolution_time_hours'
  const base = generate(resolved.payload, 5, SAMPLES).map((p) => p[field] as number)
  const scaled = generate(resolved.payload, 5, SAMPLES, { [field]: { scale: 1.6 } }).map((p) => p[field] as number)
  t.ok(
    scaled.every((v) => v >= 1 && v <= 24 && decimalsOk(v, 1)),
    'scaled values stay within 1-24 with one decimal',
  )
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  t.ok(mean(scaled) > mean(base) + 3, `mean rises from ${mean(base).toFixed(2)} to ${mean(scaled).toFixed(2)}`)
  t.ok(
    scaled.some((v) => v === 24),
    'values beyond the maximum are clamped to 24',
  )
  // The same draws, scaled: value by value the shifted payload is min(24, 1.6 × base).
  t.same(
    scaled.slice(0, 200),
    base.slice(0, 200).map((v) => Math.min(24, Math.round(v * 1.6 * 10) / 10)),
  )

  const api = streams.find((s) => s.name === 'api.request.log')!
  const halved = generate(api.payload, 5, SAMPLES, { latency_ms: { scale: 0.5 } }).map((p) => p.latency_ms as number)
  t.ok(
    halved.every((v) => Number.isInteger(v) && v >= 50 && v <= 549),
    'a scaled int stays an integer inside its domain',
  )
  t.ok(halved.filter((v) => v === 50).length > SAMPLES * 0.05, 'values below the minimum are clamped to 50')
  t.ok(Math.max(...halved) <= 275, 'and the distribution is halved')
})

t.test('an impossible payloadShift is refused when compiled', async (t) => {
  const rating = streams.find((s) => s.name === 'session.rating.submitted_by_student')!.payload
  t.throws(() => compilePayload(rating, { stars: { scale: 2 } }), /no payload field "stars"/)
  t.throws(() => compilePayload(rating, { rating_score: { scale: 2 } }), /"weights", not "scale"/)
  t.throws(() => compilePayload(rating, { rating_score: { weights: { '6': 1 } } }), /"6" is not a value/)
  t.throws(() => compilePayload(rating, { rating_score: { weights: { '1': 0 } } }), /weights sum to 0/)
  t.throws(() => compilePayload(rating, { session_id: { scale: 2 } }), /cannot be shifted/)
})

t.test('formatIso writes UTC to the second with a trailing Z', async (t) => {
  t.equal(formatIso(Date.UTC(2025, 0, 16, 14, 30, 0, 789)), '2025-01-16T14:30:00Z')
  t.equal(formatIso(Date.UTC(2025, 0, 16, 14, 30, 1, 0)), '2025-01-16T14:30:01Z')
  t.equal(formatIso(Date.UTC(2025, 0, 16, 14, 30, 0, 999)), '2025-01-16T14:30:00Z')
  t.equal(formatIso(Date.UTC(2024, 1, 29, 23, 59, 59, 500)), '2024-02-29T23:59:59Z')
})

t.test('entityId', async (t) => {
  const id = entityId('student_', 12345, 42)
  t.match(id, /^student_[a-z0-9]{9}$/, 'prefix + 9 chars of [a-z0-9]')
  entityId('tutor_', 12345, 42)
  entityId('student_', 12345, 43)
  t.equal(entityId('student_', 12345, 42), id, 'deterministic in (prefix, n, seed)')

  const N = 1_000_000
  const seen = new Set<string>()
  let malformed = 0
  for (let n = 0; n < N; n++) {
    const s = entityId('session_', n, 7)
    if (s.length !== 17 || !SUFFIX.test(s.slice(8))) malformed++
    seen.add(s)
  }
  t.equal(malformed, 0, 'every id has a 9-char suffix')
  t.equal(seen.size, N, '1,000,000 consecutive n give 1,000,000 distinct ids')

  const high = new Set<string>()
  for (let n = 2 ** 32 - 10_000; n < 2 ** 32; n++) high.add(entityId('session_', n, 7))
  t.equal(high.size, 10_000, 'n just below 2^32 stay distinct')
  t.ok(
    [...high].every((s) => !seen.has(s) && SUFFIX.test(s.slice(8))),
    'and do not repeat ids of small n',
  )

  let sameAcrossSeeds = 0
  let sameAcrossPrefixes = 0
  for (let n = 0; n < 1000; n++) {
    if (entityId('tutor_', n, 1) === entityId('tutor_', n, 2)) sameAcrossSeeds++
    if (entityId('tutor_', n, 1).slice(6) === entityId('student_', n, 1).slice(8)) sameAcrossPrefixes++
  }
  t.equal(sameAcrossSeeds, 0, 'different seeds give different ids for the same n')
  t.equal(sameAcrossPrefixes, 0, 'different prefixes give unrelated suffixes')

  // Consecutive n look unrelated: neighbours differ in nearly every position (random: ~8.7 of 9).
  let differing = 0
  let prev = entityId('req_', 0, 99)
  for (let n = 1; n <= 10_000; n++) {
    const cur = entityId('req_', n, 99)
    for (let i = 4; i < cur.length; i++) if (cur[i] !== prev[i]) differing++
    prev = cur
  }
  t.ok(differing / 10_000 > 8, `neighbouring ids differ in ${(differing / 10_000).toFixed(2)} of 9 positions`)
})
