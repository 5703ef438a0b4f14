/**
 * The time ranges the read routes take (`start`/`end`, ISO-8601): parsed and checked against
 * the world once, here, with the contract's INVALID_TIME_RANGE errors.
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
