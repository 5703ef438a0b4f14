/**
 * Payload generation from the field domains of streams.json. `compilePayload` turns one stream's
 * domains (and optionally a scenario's payloadShift) into a generator once; the generator then
 * only draws and assigns: every table, cumulative weight and string piece is prepared here.
 *
 * Draw order is fixed (fields in declaration order; for an optional field its presence first, then
 * its value), so the same Rng state always yields the same payload.
 */
import type { FieldDomain, PayloadShift } from '@marketsim/shared-types'
import { B36_4, digits4, text9 } from './base36.js'
import type { Rng } from './rng.js'

export type PayloadGenerator = (rng: Rng, timeMs: number) => Record<string, unknown>

type Draw = (rng: Rng, timeMs: number) => unknown

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const
const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i))
/** First octets of a plausible public-looking address: 1-223 without 10 and 127. */
const FIRST_OCTET: string[] = []
for (let i = 1; i <= 223; i++) if (i !== 10 && i !== 127) FIRST_OCTET.push(String(i))

/** Tables of indexedId strings are built up to this many values; beyond, strings are built per draw. */
const INDEXED_TABLE_MAX = 10_000

// ---- time formatting ------------------------------------------------------------------------

let isoSecond = NaN
let isoText = ''
let dateDay = NaN
let dateText = ''

/** ISO-8601 UTC with seconds precision and no milliseconds: `2025-01-16T14:30:00Z`. */
export function formatIso(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second === isoSecond) return isoText
  const s = new Date(second * 1000).toISOString() // …THH:MM:SS.000Z
  isoText = s.slice(0, s.length - 5) + 'Z'
  isoSecond = second
  return isoText
}

/** The UTC calendar date of `ms`: `2025-01-16`. */
export function formatDate(ms: number): string {
  const day = Math.floor(ms / 86_400_000)
  if (day === dateDay) return dateText
  const s = new Date(day * 86_400_000).toISOString()
  dateText = s.slice(0, s.indexOf('T'))
  dateDay = day
  return dateText
}

// ---- field draws ------------------------------------------------------------------------------

const SUFFIX: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0]
/** 9 random chars of [a-z0-9]: two draws of 4 base-36 digits and one of 1. */
function randomSuffix(rng: Rng): string {
  digits4(Math.floor(rng.next() * B36_4), SUFFIX, 0)
  digits4(Math.floor(rng.next() * B36_4), SUFFIX, 4)
  SUFFIX[8] = rng.int(36)
  return text9(SUFFIX)
}

function roundTo(x: number, factor: number): number {
  return Math.round(x * factor) / factor
}

function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x
}

function cumulative(weights: readonly number[]): Float64Array {
  const cum = new Float64Array(weights.length)
  let sum = 0
  for (let i = 0; i < weights.length; i++) cum[i] = sum += weights[i]!
  return cum
}

type Shift = PayloadShift[string]

function compileEnum(name: string, values: readonly (string | number)[], baseWeights: readonly number[] | undefined, shift: Shift | undefined): Draw {
  let weights = baseWeights
  if (shift) {
    if (!('weights' in shift)) throw new Error(`payloadShift of "${name}": an enum field is shifted with "weights", not "scale"`)
    const byValue = shift.weights
    const known = new Set(values.map(String))
    for (const v of Object.keys(byValue)) if (!known.has(v)) throw new Error(`payloadShift of "${name}": "${v}" is not a value of the field`)
    weights = values.map((v) => (Object.hasOwn(byValue, String(v)) ? byValue[String(v)]! : 0))
  }
  if (weights === undefined) return (rng) => rng.pick(values)
  if (weights.length !== values.length) throw new Error(`enum "${name}": ${weights.length} weights for ${values.length} values`)
  const cum = cumulative(weights)
  if (!(cum[cum.length - 1]! > 0)) throw new Error(`enum "${name}"${shift ? ' (with its payloadShift)' : ''}: weights sum to 0`)
  return (rng) => values[rng.weighted(cum)]
}

function scaleOf(name: string, shift: Shift | undefined): number | undefined {
  if (!shift) return undefined
  if (!('scale' in shift)) throw new Error(`payloadShift of "${name}": a numeric field is shifted with "scale", not "weights"`)
  return shift.scale
}

function compileField(name: string, d: FieldDomain, shift: Shift | undefined): Draw {
  if (shift && d.type !== 'enum' && d.type !== 'int' && d.type !== 'number')
    throw new Error(`payloadShift of "${name}": a field of type ${d.type} cannot be shifted`)
  switch (d.type) {
    case 'id': {
      const prefix = d.prefix
      return (rng) => prefix + randomSuffix(rng)
    }
    case 'indexedId': {
      const { prefix, min, max } = d
      const size = max - min + 1
      if (size <= INDEXED_TABLE_MAX) {
        const table = Array.from({ length: size }, (_, i) => prefix + (min + i))
        return (rng) => table[rng.int(size)]
      }
      return (rng) => prefix + rng.between(min, max)
    }
    case 'enum':
      return compileEnum(name, d.values, d.weights, shift)
    case 'int': {
      const { min, max } = d
      const k = scaleOf(name, shift)
      if (k === undefined) return (rng) => rng.between(min, max)
      return (rng) => clamp(Math.round(rng.between(min, max) * k), min, max)
    }
    case 'number': {
      const { min, max } = d
      const factor = 10 ** d.decimals
      const k = scaleOf(name, shift)
      if (k === undefined) return (rng) => roundTo(rng.uniform(min, max), factor)
      return (rng) => clamp(roundTo(roundTo(rng.uniform(min, max), factor) * k, factor), min, max)
    }
    case 'subset': {
      const values = d.values
      const n = values.length
      const max = Math.min(d.max, n)
      const min = Math.min(d.min, max)
      return (rng) => {
        // Selection sampling (Knuth's algorithm S): a uniform k-subset, already in `values` order.
        let need = rng.between(min, max)
        const out: (string | number)[] = []
        for (let i = 0; need > 0; i++) {
          if (rng.next() * (n - i) < need) {
            out.push(values[i]!)
            need--
          }
        }
        return out
      }
    }
    case 'datetime':
      return (_rng, timeMs) => formatIso(timeMs)
    case 'date':
      return (_rng, timeMs) => formatDate(timeMs)
    case 'ipv4':
      return (rng) => {
        const first = FIRST_OCTET[rng.int(FIRST_OCTET.length)]!
        const x = Math.floor(rng.next() * 16_777_216) // 24 bits: the other three octets
        return first + '.' + OCTET[x >>> 16] + '.' + OCTET[(x >>> 8) & 255] + '.' + OCTET[x & 255]
      }
    case 'pattern': {
      const parts = d.pattern.split('#')
      const head = parts[0]!
      const rest = parts.slice(1)
      if (rest.length === 0) return () => head
      return (rng) => {
        let s = head
        for (let i = 0; i < rest.length; i++) s += DIGITS[rng.int(10)]! + rest[i]!
        return s
      }
    }
    case 'text': {
      const examples = d.examples
      return (rng) => rng.pick(examples)
    }
    case 'object':
      return () => ({})
    default: {
      const unknown: never = d
      throw new Error(`field "${name}": unknown domain type ${JSON.stringify((unknown as { type?: unknown }).type)}`)
    }
  }
}

/**
 * Compile a stream's payload domains (and an optional scenario payloadShift) into a generator.
 * Throws on a shift that names no field, a value outside an enum, the wrong kind of shift for the
 * field's type, or enum weights that leave nothing to draw.
 */
export function compilePayload(fields: Record<string, FieldDomain>, shift?: PayloadShift): PayloadGenerator {
  const entries = Object.entries(fields)
  if (shift) for (const name of Object.keys(shift)) if (!Object.hasOwn(fields, name)) throw new Error(`payloadShift names no payload field "${name}"`)
  const count = entries.length
  const names: string[] = new Array(count)
  const draws: Draw[] = new Array(count)
  /** The share of events carrying the field; NaN when the field is always present. */
  const presence = new Float64Array(count)
  entries.forEach(([name, domain], i) => {
    names[i] = name
    draws[i] = compileField(name, domain, shift && Object.hasOwn(shift, name) ? shift[name] : undefined)
    presence[i] = domain.optional ?? NaN
  })
  return (rng, timeMs) => {
    const out: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) {
      const p = presence[i]!
      if (p === p && !(rng.next() < p)) continue // p === p: the field is optional
      out[names[i]!] = draws[i]!(rng, timeMs)
    }
    return out
  }
}
