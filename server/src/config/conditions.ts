/**
 * Cascade conditions: `<field> <op> <value>` joined by `||`, or `count >= N in <duration>`
 * (the per-customer repeat rule). Parsed once at start so a typo stops the server.
 */
import { DurationError, parseDuration } from '@marketsim/shared-types'

export type Comparison = { field: string; op: '<' | '<=' | '>' | '>=' | '==' | '!='; value: string | number }
export type Condition =
  | { kind: 'any-of'; comparisons: Comparison[] }
  | { kind: 'count'; atLeast: number; withinMs: number }

const COMPARISON = /^([a-z_][a-z0-9_]*)\s*(<=|>=|===|==|!==|!=|<|>)\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?))$/i

export function parseCondition(text: string): Condition {
  const count = /^count\s*>=\s*(\d+)\s+in\s+(.+)$/i.exec(text.trim())
  if (count) {
    try {
      return { kind: 'count', atLeast: Number(count[1]), withinMs: parseDuration(count[2]!) }
    } catch (e) {
      throw new DurationError(`condition "${text}": ${(e as Error).message}`)
    }
  }
  const comparisons = text.split('||').map((part) => {
    const m = COMPARISON.exec(part.trim())
    if (!m) throw new Error(`unparseable condition "${text}" (expected "<field> <op> <value>" joined by "||", or "count >= N in <duration>")`)
    const op = m[2]!.replace('===', '==').replace('!==', '!=') as Comparison['op']
    const value = m[5] !== undefined ? Number(m[5]) : (m[3] ?? m[4])!
    return { field: m[1]!, op, value }
  })
  return { kind: 'any-of', comparisons }
}

/** One comparison of a value (no payload object: the engine asks this for millions of events). */
export function holds(op: Comparison['op'], v: string | number, value: string | number): boolean {
  switch (op) {
    case '==': return v == value
    case '!=': return v != value
    case '<': return v < value
    case '<=': return v <= value
    case '>': return v > value
    case '>=': return v >= value
  }
}

/** True when a payload satisfies an any-of condition (count conditions are evaluated by the engine). */
export function matchesComparisons(comparisons: Comparison[], data: Record<string, unknown>): boolean {
  return comparisons.some(({ field, op, value }) => {
    const v = data[field] as string | number | undefined
    return v !== undefined && holds(op, v, value)
  })
}

/** matchesComparisons for a payload holding only `field` = v, without building that payload. */
export function matchesField(comparisons: Comparison[], field: string, v: unknown): boolean {
  if (v === undefined) return false
  for (const c of comparisons) if (c.field === field && holds(c.op, v as string | number, c.value)) return true
  return false
}
