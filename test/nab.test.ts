/**
 * The detector lab's scorer against NAB's published behaviour (Lavin & Ahmad 2015, numenta/NAB
 * scorer): null 0 and perfect 100 in every profile, earlier detections worth more, only a
 * window's first detection counting, a false positive costing the profile's weight, and the
 * sigmoid's documented values.
 */
import t from 'tap'
import { PROFILES, normalize, scaledSigmoid, scoreStream, type Window } from '../server/src/detector/nab.js'

const H = 3_600_000
const windows: Window[] = [
  { start: 10 * H, end: 20 * H },
  { start: 50 * H, end: 54 * H },
  { start: 100 * H, end: 110 * H },
]

t.test('the scaled sigmoid: NAB\'s values', async (t) => {
  t.ok(Math.abs(scaledSigmoid(-1) - 0.98661) < 1e-5, `start of a window: ${scaledSigmoid(-1).toFixed(5)}`)
  t.equal(scaledSigmoid(0), 0, 'end of a window: 0')
  t.ok(Math.abs(scaledSigmoid(-0.5) - 0.84828) < 1e-5, 'halfway: 0.848')
  t.ok(Math.abs(scaledSigmoid(0.5) + 0.84828) < 1e-5, 'half a window after: −0.848')
  t.equal(scaledSigmoid(3.01), -1, 'beyond three window lengths: −1')
})

t.test('null 0, perfect 100, in every profile', async (t) => {
  for (const [name, profile] of Object.entries(PROFILES)) {
    const none = scoreStream(windows, [], profile)
    t.equal(normalize(none.raw, windows.length, profile), 0, `${name}: the null detector`)
    t.same([none.tp, none.fp, none.fn], [0, 0, 3])
    const perfect = scoreStream(windows, windows.map((w) => w.start), profile)
    t.ok(Math.abs(normalize(perfect.raw, windows.length, profile) - 100) < 1e-9, `${name}: the perfect detector`)
    t.same(perfect.detectedAt, windows.map((w) => w.start))
  }
})

t.test('earlier is better; only the first detection in a window counts', async (t) => {
  const p = PROFILES.standard
  const atStart = scoreStream([windows[0]!], [windows[0]!.start], p).raw
  const nearEnd = scoreStream([windows[0]!], [windows[0]!.end - 1000], p).raw
  t.ok(nearEnd < atStart, `just inside the end (${nearEnd.toFixed(4)}) scores less than at the start (${atStart.toFixed(4)})`)
  t.ok(nearEnd > 0, 'but still counts as found')
  const many = scoreStream([windows[0]!], [12 * H, 13 * H, 14 * H], p)
  t.equal(many.tp, 1, 'one true positive')
  t.equal(many.fp, 0, 'the others are neither rewarded nor punished')
  t.equal(many.raw, scoreStream([windows[0]!], [12 * H], p).raw)
})

t.test('a false positive costs the profile\'s weight; after a window, less the closer it is', async (t) => {
  for (const [name, profile] of Object.entries(PROFILES)) {
    const lone = scoreStream([], [5 * H], profile)
    t.equal(lone.raw, -profile.fp, `${name}: a false alarm with no window before it costs ${profile.fp}`)
  }
  const p = PROFILES.standard
  const soonAfter = scoreStream([windows[0]!], [windows[0]!.start, 21 * H], p)
  const longAfter = scoreStream([windows[0]!], [windows[0]!.start, 55 * H], p)
  const hit = scoreStream([windows[0]!], [windows[0]!.start], p).raw
  t.ok(soonAfter.raw - hit > longAfter.raw - hit, 'a flag just after the window costs less than one long after')
  t.ok(Math.abs(longAfter.raw - hit + p.fp) < 1e-12, 'beyond three window lengths: the full weight')
})

t.test('a worked example: reward_low_FN weighs a miss twice', async (t) => {
  // Windows 1 and 3 found (at the start, and halfway), window 2 missed, one false alarm before any window.
  const flags = [windows[0]!.start, 105 * H, 2 * H]
  const standard = scoreStream(windows, flags, PROFILES.standard)
  const lowFN = scoreStream(windows, flags, PROFILES.reward_low_FN)
  const expected = (fn: number, fp: number) => scaledSigmoid(-1) + scaledSigmoid(-0.5) - fn - fp
  t.ok(Math.abs(standard.raw - expected(1, 0.11)) < 1e-12, `standard raw ${standard.raw.toFixed(4)}`)
  t.ok(Math.abs(lowFN.raw - expected(2, 0.11)) < 1e-12, `reward_low_FN raw ${lowFN.raw.toFixed(4)}`)
  const s = normalize(standard.raw, 3, PROFILES.standard)
  const f = normalize(lowFN.raw, 3, PROFILES.reward_low_FN)
  t.ok(s > 0 && s < 100 && f > 0 && f < 100, `normalized: standard ${s.toFixed(1)}, reward_low_FN ${f.toFixed(1)}`)
})
