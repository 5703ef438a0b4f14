/**
 * The duration grammar of the config files, the scenario definitions and the API's duration
 * fields, read the same way by the server and the console. Plain functions without TypeBox,
 * so the console can import them (`@marketsim/shared-types/durations`) without the schemas.
 *
 * A duration is `"0"` or `"<int><unit>"`: a whole number, optional spaces, and a unit of
 * second, minute, hour, day, week or month (a month is 30 days), singular or plural, in any
 * case. So "3 hours", "3hours", "1 hour", "2 Weeks" all parse; "1.5 hours", "-2 hours" and
 * "2 fortnights" do not. The space is optional because the server always took "3hours" (a
 * definition written so still loads); the contract and the catalog write "3 hours".
 * A parser that only knew seconds…days would turn "2 weeks" into 0 and end a scenario at once,
 * hence weeks and months.
 */
const UNIT_MS = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
} as const

type DurationUnit = keyof typeof UNIT_MS
const DURATION_UNITS = Object.keys(UNIT_MS) as DurationUnit[]

function unitMs(unit: string): number | undefined {
  const u = unit.toLowerCase()
  const singular = u.endsWith('s') ? u.slice(0, -1) : u
  return Object.hasOwn(UNIT_MS, singular) ? UNIT_MS[singular as DurationUnit] : undefined
}

export class DurationError extends Error {}

/** A duration → milliseconds, or undefined when it is not one (or absent). */
export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const s = text.trim()
  if (s === '0') return 0
  const m = /^(\d+)\s*([a-zA-Z]+)$/.exec(s)
  const ms = m ? unitMs(m[2]!) : undefined
  return ms === undefined ? undefined : Number(m![1]) * ms
}

/** A duration → milliseconds; anything else throws, saying what a duration is. */
export function parseDuration(text: string): number {
  const ms = durationMs(text)
  if (ms === undefined) {
    throw new DurationError(`unparseable duration "${text}" (expected "<int> <unit>" with unit one of ${DURATION_UNITS.join(', ')}, or "0")`)
  }
  return ms
}

/** An impact duration: a duration, or "Ongoing" (no end) → Infinity. */
export function parseImpactDuration(text: string): number {
  return text.trim().toLowerCase() === 'ongoing' ? Infinity : parseDuration(text)
}

export interface DelayRange {
  minMs: number
  maxMs: number
}

/** `"1-6 hours"`, `"24 hours"`, `"immediate"` or `"0"` → a uniform range in milliseconds. */
export function parseDelay(text: string): DelayRange {
  const s = text.trim()
  if (s.toLowerCase() === 'immediate') return { minMs: 0, maxMs: 0 }
  const m = /^(\d+)\s*-\s*(\d+)\s*([a-zA-Z]+)$/.exec(s)
  if (m) {
    const ms = unitMs(m[3]!)
    const a = Number(m[1])
    const b = Number(m[2])
    if (ms === undefined) throw new DurationError(`unparseable delay "${text}" (unknown unit "${m[3]}")`)
    if (a > b) throw new DurationError(`delay range "${text}" runs backwards`)
    return { minMs: a * ms, maxMs: b * ms }
  }
  const d = durationMs(s)
  if (d === undefined) throw new DurationError(`unparseable delay "${text}" (expected "<a>-<b> <unit>", "<n> <unit>" or "immediate")`)
  return { minMs: d, maxMs: d }
}

/** `"+2 hours"` → 7,200,000; anything else → undefined. */
export function parseRelativeOffset(text: string): number | undefined {
  const m = /^\+\s*(.+)$/.exec(text.trim())
  return m ? durationMs(m[1]!) : undefined
}
