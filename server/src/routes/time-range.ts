/**
 * The parameters the read routes share: time ranges (`start`/`end`, ISO-8601) parsed and
 * checked against the world with the contract's INVALID_TIME_RANGE errors, and stream lists.
 */
import { Errors } from '../errors.js'
import { formatIso } from '../sim/payload.js'

/** `refuse` names the error (a range's bound is INVALID_TIME_RANGE, a field of a body INVALID_REQUEST). */
export function parseTime(raw: string, name: string, refuse: (message: string, details: string) => Error = Errors.invalidTimeRange): number {
  const t = Date.parse(raw)
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) throw refuse(`Unparseable ${name}: expected an ISO-8601 time`, `${name}=${raw}`)
  return t
}

/** A range that starts within the simulated past: [start, end), end after start. */
export function pastRange(query: { start: string; end: string }, world: { historyStartMs: number; now: number }): { start: number; end: number } {
  const start = parseTime(query.start, 'start')
  const end = parseTime(query.end, 'end')
  if (end <= start) throw Errors.invalidTimeRange('end must be after start', `start=${query.start} end=${query.end}`)
  if (start < world.historyStartMs) throw Errors.invalidTimeRange('start lies before the simulated history', `history starts at ${formatIso(world.historyStartMs)}`)
  if (start >= world.now) throw Errors.invalidTimeRange('start lies after the current simulated time', `now is ${formatIso(world.now)}`)
  return { start, end }
}

/** The streams a request names (a comma-separated list, or all when absent), each one known. */
export function streamsParam(raw: string | undefined, world: { readonly streamNames: string[]; readonly engine: { readonly model: { readonly index: ReadonlyMap<string, number> } } }): string[] {
  if (raw === undefined) return world.streamNames
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean)
  for (const name of names) if (!world.engine.model.index.has(name)) throw Errors.streamNotFound(name, 400)
  return names
}
