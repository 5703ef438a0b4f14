/**
 * Duration and delay strings of the config and scenario files. A parser that only knew
 * seconds…days would turn "2 weeks" into 0 and end a scenario at once, hence weeks and months.
 */
const UNIT_MS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
}

const UNIT_NAMES = Object.keys(UNIT_MS)

function unitMs(unit: string): number | undefined {
  const u = unit.toLowerCase()
  return UNIT_MS[u.endsWith('s') ? u.slice(0, -1) : u]
}

export class DurationError extends Error {}

/** `"<int> <unit>"` or `"0"` → milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim()
  if (s === '0') return 0
  const m = /^(\d+)\s*([a-zA-Z]+)$/.exec(s)
  const ms = m ? unitMs(m[2]!) : undefined
  if (!m || ms === undefined) {
    throw new DurationError(`unparseable duration "${text}" (expected "<int> <unit>" with unit one of ${UNIT_NAMES.join(', ')}, or "0")`)
  }
  return Number(m[1]) * ms
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
  try {
    const d = parseDuration(s)
    return { minMs: d, maxMs: d }
  } catch {
    throw new DurationError(`unparseable delay "${text}" (expected "<a>-<b> <unit>", "<n> <unit>" or "immediate")`)
  }
}

/** `"+2 hours"` → 7,200,000; anything else → undefined. */
export function parseRelativeOffset(text: string): number | undefined {
  const m = /^\+\s*(.+)$/.exec(text.trim())
  if (!m) return undefined
  try {
    return parseDuration(m[1]!)
  } catch {
    return undefined
  }
}
