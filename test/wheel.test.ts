/**
 * The scheduler (sim/wheel.ts): events come out in time order, ties in the order they were
 * scheduled, whether they were pushed far ahead (beyond the ring), into a later minute, or into
 * the minute being handed out; nothing at or after the limit leaves; every field survives.
 */
import t from 'tap'
import { TimingWheel } from '../server/src/sim/wheel.js'
import { byTime, newEv, type Ev } from '../server/src/sim/event.js'
import { Rng } from '../server/src/sim/rng.js'

const MINUTE = 60_000
const DAY = 86_400_000
const T0 = Date.parse('2026-11-20T00:00:00Z')

function drain(w: TimingWheel, limit: number): Ev[] {
  const out: Ev[] = []
  for (;;) {
    const ev = newEv(0, 0, 0)
    if (!w.pop(limit, ev)) return out
    out.push(ev)
  }
}

t.test('time order, ties by insertion, fields intact, the limit respected', async (t) => {
  const w = new TimingWheel(T0)
  const evs = [
    { ...newEv(T0 + 5 * MINUTE + 7, 3, 10), id: 42, st: 7, tu: 9, sub: 2, x: T0 + DAY, y: 4.5, v: 'billing' },
    newEv(T0 + 90_000, 1, 11),
    newEv(T0 + 90_000, 2, 12), // the same millisecond: after q 11
    newEv(T0 + 30 * DAY, 4, 13), // beyond the ring (about 22 days)
    newEv(T0 + 10, 5, 14),
  ]
  for (const e of evs) w.push(e)
  t.equal(w.size, 5)
  const first = drain(w, T0 + 6 * MINUTE)
  t.same(first.map((e) => e.q), [14, 11, 12, 10], 'in time order, ties by insertion')
  t.same(first[3], evs[0], 'every field of a record comes back')
  t.equal(w.size, 1, 'the far event waits')
  t.same(drain(w, T0 + 30 * DAY).map((e) => e.q), [], 'not before its time (the limit is exclusive)')
  t.same(drain(w, T0 + 30 * DAY + 1).map((e) => e.q), [13], 'then it comes')
})

t.test('pushed into the minute being handed out: placed among what is still to come', async (t) => {
  const w = new TimingWheel(T0)
  w.push(newEv(T0 + 10_000, 0, 1))
  w.push(newEv(T0 + 50_000, 0, 2))
  const ev = newEv(0, 0, 0)
  t.ok(w.pop(T0 + MINUTE, ev))
  t.equal(ev.q, 1)
  w.push(newEv(T0 + 20_000, 0, 3)) // while minute 0 is current
  w.push(newEv(T0 + 50_000, 0, 4)) // a tie with q 2: after it
  t.same(drain(w, T0 + MINUTE).map((e) => e.q), [3, 2, 4])
  t.throws(() => w.push(newEv(T0 - MINUTE, 0, 5)), /scheduling into the past/, 'the past is refused')
})

t.test('a seeded storm of pushes and pops matches a sorted reference', async (t) => {
  const rng = new Rng(7, 'wheel-test')
  const w = new TimingWheel(T0)
  const pending: Ev[] = []
  const popped: Ev[] = []
  const expected: Ev[] = []
  let now = T0
  let q = 0
  for (let round = 0; round < 400; round++) {
    // Some events soon, some days ahead, some weeks ahead (beyond the ring), some in the current minute.
    for (let k = 0; k < 50; k++) {
      const r = rng.next()
      const ahead = r < 0.5 ? rng.int(10 * MINUTE) : r < 0.8 ? rng.int(3 * DAY) : r < 0.95 ? rng.int(40 * DAY) : 0
      const ev = newEv(now + ahead, rng.int(50), q++)
      ev.y = rng.next()
      pending.push(ev)
      w.push(ev)
    }
    now += rng.int(20 * MINUTE)
    popped.push(...drain(w, now))
    expected.push(...pending.filter((e) => e.t < now).sort(byTime))
    const rest = pending.filter((e) => e.t >= now)
    pending.length = 0
    pending.push(...rest)
  }
  popped.push(...drain(w, Number.POSITIVE_INFINITY))
  expected.push(...pending.sort(byTime))
  t.equal(popped.length, expected.length, `${popped.length} events out, as many as went in`)
  const firstDiff = popped.findIndex((e, i) => e.q !== expected[i]!.q || e.y !== expected[i]!.y)
  t.equal(firstDiff, -1, 'the same order and contents as sorting by (time, insertion)')
  t.equal(w.size, 0)
  t.same(drain(w, Number.POSITIVE_INFINITY), [], 'an empty wheel asked up to infinity answers at once')
})
