import t from 'tap'
import { durationMs, parseDelay, parseDuration, parseImpactDuration, parseRelativeOffset } from '@marketsim/shared-types'
import { parseCondition, matchesComparisons } from '../server/src/config/conditions.js'

const H = 3_600_000
const D = 24 * H

t.test('durations parse every unit the scenarios use, weeks and months included', async (t) => {
  t.equal(parseDuration('0'), 0)
  t.equal(parseDuration('30 seconds'), 30_000)
  t.equal(parseDuration('1 minute'), 60_000)
  t.equal(parseDuration('3 hours'), 3 * H)
  t.equal(parseDuration('1 day'), D)
  t.equal(parseDuration('2 weeks'), 14 * D)
  t.equal(parseDuration('1 month'), 30 * D, 'a month is 30 days')
  t.equal(parseDuration('2 Months'), 60 * D)
  for (const bad of ['2 fortnights', 'soon', '', '1.5 hours', '-2 hours', 'hours', '3 constructors', '2 hours later']) {
    t.throws(() => parseDuration(bad), /unparseable duration/, `"${bad}" is refused`)
    t.equal(durationMs(bad), undefined, `"${bad}" is not a duration (the console's reading)`)
  }
})

t.test('one grammar, decided once: the space before the unit is optional, a unit may be singular or plural, in any case', async (t) => {
  for (const [a, b] of [['3 hours', '3hours'], ['3 hours', '3 hour'], ['1 day', '1 days'], ['2 weeks', ' 2\tWEEKS '], ['0', ' 0 ']]) {
    t.equal(parseDuration(b!), parseDuration(a!), `"${b}" reads as "${a}"`)
    t.equal(durationMs(b), parseDuration(a!), `and so the console reads it`)
  }
  t.equal(durationMs(undefined), undefined, 'an absent duration is no duration')
  t.same(parseDelay('1-6hours'), parseDelay('1 - 6 hours'), 'delays follow the same rule')
  t.equal(parseRelativeOffset('+2hours'), parseRelativeOffset('+ 2 hours'), 'and offsets')
})

t.test('impact durations add "Ongoing"; delays add ranges and "immediate"; offsets need a +', async (t) => {
  t.equal(parseImpactDuration('Ongoing'), Infinity)
  t.equal(parseImpactDuration('3 weeks'), 21 * D)
  t.same(parseDelay('1-6 hours'), { minMs: H, maxMs: 6 * H })
  t.same(parseDelay('24 hours'), { minMs: 24 * H, maxMs: 24 * H })
  t.same(parseDelay('immediate'), { minMs: 0, maxMs: 0 })
  t.throws(() => parseDelay('6-1 hours'), /runs backwards/)
  t.throws(() => parseDelay('1-6 fortnights'), /unparseable delay/)
  t.equal(parseRelativeOffset('+1 hour'), H)
  t.equal(parseRelativeOffset('+3 days'), 3 * D)
  t.equal(parseRelativeOffset('now'), undefined)
  t.equal(parseRelativeOffset('+3 eons'), undefined)
})

t.test('cascade conditions parse and match payloads', async (t) => {
  const low = parseCondition('rating_score < 3')
  t.equal(low.kind, 'any-of')
  if (low.kind === 'any-of') {
    t.ok(matchesComparisons(low.comparisons, { rating_score: 2 }))
    t.notOk(matchesComparisons(low.comparisons, { rating_score: 3 }))
    t.notOk(matchesComparisons(low.comparisons, {}), 'a missing field never matches')
  }
  const paused = parseCondition("new_status === 'paused' || new_status == 'inactive'")
  if (paused.kind === 'any-of') {
    t.ok(matchesComparisons(paused.comparisons, { new_status: 'inactive' }))
    t.notOk(matchesComparisons(paused.comparisons, { new_status: 'active' }))
  } else t.fail('expected a comparison condition')
  t.same(parseCondition('count >= 2 in 14 days'), { kind: 'count', atLeast: 2, withinMs: 14 * D })
  t.throws(() => parseCondition('count >= 2 in 2 fortnights'), /unparseable duration/)
  t.throws(() => parseCondition('rating_score ~ 3'), /unparseable condition/)
})
