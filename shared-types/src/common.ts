import { Type, type Static, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox'

/** A union of string literals from one constant list, so the list and the schema never drift. */
export function Literals<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)) as TLiteral<T[number]>[], options)
}

/** ISO-8601 UTC instant, e.g. `2025-01-16T14:30:00Z`. */
export const IsoTime = Type.String({ format: 'date-time', description: 'ISO-8601 UTC timestamp', examples: ['2025-01-16T14:30:00Z'] })

/** One of the 50 stream names, e.g. `customer.tutor.search`. */
export const StreamName = Type.String({ minLength: 1, description: 'Full stream name, e.g. customer.tutor.search' })

export const DOMAINS = ['customer', 'tutor', 'session', 'support', 'marketing', 'system'] as const
export const Domain = Literals(DOMAINS, { title: 'Domain', description: 'Stream domain' })
export type Domain = Static<typeof Domain>

export const ANOMALY_FLAGS = ['normal', 'warning', 'critical'] as const
export const AnomalyFlag = Literals(ANOMALY_FLAGS, { title: 'AnomalyFlag', description: 'normal |z|<2, warning 2≤|z|<3, critical |z|≥3' })
export type AnomalyFlag = Static<typeof AnomalyFlag>

/**
 * A duration string: `"<int> <unit>"` (second … month, month = 30 days) or `"0"`.
 * The schema only says "string"; the server's parser is the authority on what parses.
 */
export const Duration = Type.String({
  description: 'Duration: "<int> <unit>" with unit second(s)…month(s) (a month is 30 days), or "0"',
  examples: ['3 hours', '2 weeks', '1 month'],
})
export type Duration = Static<typeof Duration>
