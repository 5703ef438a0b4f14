/**
 * One pending or processed event of the causal simulation, as compact as the hot path needs:
 * entity references are numbers, payloads are only built for events that leave the server.
 */
export interface Ev {
  /** Simulated time, epoch ms. */
  t: number
  /** Stream index. */
  s: number
  /** Insertion order: breaks ties between events at the same millisecond. */
  q: number
  /** The event's own entity number (request/session, ticket, chat, call, applicant, click, txn …), -1 if none. */
  id: number
  /** Student index, -1 if none. */
  st: number
  /** Tutor index, -1 if none. */
  tu: number
  /** Subject index, -1 if none. */
  sub: number
  /** An anchor time (a session's scheduled start) or another number the stream needs. */
  x: number
  /** A causal number: rating score, resolution hours, session count, duration … */
  y: number
  /** A causal label: an outcome value (gateway status) or a category bound by the cause. */
  v: string | undefined
}

export function newEv(t: number, s: number, q: number): Ev {
  return { t, s, q, id: -1, st: -1, tu: -1, sub: -1, x: 0, y: 0, v: undefined }
}

/** A child inherits its cause's entities; the process then overrides what is new. */
export function childEv(parent: Ev, t: number, s: number, q: number): Ev {
  return { t, s, q, id: parent.id, st: parent.st, tu: parent.tu, sub: parent.sub, x: parent.x, y: 0, v: undefined }
}

export function byTime(a: Ev, b: Ev): number {
  return a.t - b.t || a.q - b.q
}
