/**
 * The live trailing window of a stream: long enough to hold a few dozen expected events at
 * its current rate, so a real change shows within seconds on a busy stream and a slow stream
 * is not judged on two events; bounded so no window is shorter than a blink or older than
 * half an hour.
 */
import { MINUTE, SECOND } from './time.js'

/** Expected events a live window holds (when its bounds allow). */
export const WINDOW_EVENTS = 30
/** Expected events a share's window holds: a mix shows sooner than a count (an outage's failures are 95%). */
export const SHARE_WINDOW_EVENTS = 10
export const MIN_WINDOW_MS = 30 * SECOND
export const MAX_WINDOW_MS = 30 * MINUTE

/**
 * The window ending at `end` for a stream whose expected events before `end` are given by
 * `expectedSince(from)`: the shortest span in [MIN, MAX] holding WINDOW_EVENTS, to the second.
 */
export function windowLength(expectedSince: (from: number) => number, end: number, events = WINDOW_EVENTS): number {
  if (expectedSince(end - MIN_WINDOW_MS) >= events) return MIN_WINDOW_MS
  if (expectedSince(end - MAX_WINDOW_MS) <= events) return MAX_WINDOW_MS
  let lo = MIN_WINDOW_MS
  let hi = MAX_WINDOW_MS
  while (hi - lo > SECOND) {
    const mid = Math.round((lo + hi) / 2 / SECOND) * SECOND
    if (expectedSince(end - mid) >= events) hi = mid
    else lo = mid
  }
  return hi
}
