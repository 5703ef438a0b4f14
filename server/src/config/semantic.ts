/** What the schemas cannot say about config files: cross references, parsable strings, sums. */
import type {
  CalendarFile,
  ExternalEventsFile,
  FieldDomain,
  RelationshipsFile,
  ScenarioDefinition,
  StreamDef,
  StreamsFile,
} from '@marketsim/shared-types'
import { parseDelay, parseDuration, parseImpactDuration } from '@marketsim/shared-types'
import { parseCondition } from './conditions.js'
import { pathOf } from './json-path.js'

export type Report = (path: string, problem: string) => void
type Catalog = ReadonlyMap<string, StreamDef>
type Seg = string | number

const SUM_TOLERANCE = 1e-6

function tryParse(fn: (s: string) => unknown, text: string, at: Seg[], report: Report): void {
  try {
    fn(text)
  } catch (e) {
    report(pathOf(at), (e as Error).message)
  }
}

function checkStreamName(name: string, catalog: Catalog, at: Seg[], report: Report): boolean {
  if (catalog.has(name)) return true
  report(pathOf(at), `unknown stream "${name}"`)
  return false
}

function checkField(domain: FieldDomain, at: Seg[], report: Report): void {
  switch (domain.type) {
    case 'enum':
      if (domain.weights && domain.weights.length !== domain.values.length)
        report(pathOf([...at, 'weights']), `${domain.weights.length} weights for ${domain.values.length} values`)
      else if (domain.weights && !(domain.weights.reduce((a, b) => a + b, 0) > 0))
        report(pathOf([...at, 'weights']), 'weights sum to 0')
      break
    case 'int':
    case 'number':
    case 'indexedId':
      if (domain.min > domain.max) report(pathOf(at), `min ${domain.min} is above max ${domain.max}`)
      break
    case 'subset':
      if (domain.min > domain.max) report(pathOf(at), `min ${domain.min} is above max ${domain.max}`)
      if (domain.max > domain.values.length) report(pathOf([...at, 'max']), `max ${domain.max} exceeds the ${domain.values.length} values`)
      break
    default:
      break
  }
}

export function checkStreams(file: StreamsFile, catalog: Map<string, StreamDef>, report: Report): void {
  file.streams.forEach((s, i) => {
    if (catalog.has(s.name)) report(pathOf(['streams', i, 'name']), `duplicate stream "${s.name}"`)
    catalog.set(s.name, s)
    if (s.peak && s.peak.from >= s.peak.to) report(pathOf(['streams', i, 'peak']), `peak window ${s.peak.from}-${s.peak.to} is empty`)
    for (const [field, domain] of Object.entries(s.payload)) checkField(domain, ['streams', i, 'payload', field], report)
    if (s.measure === 'level') {
      const f = s.levelField ? s.payload[s.levelField] : undefined
      if (!f || (f.type !== 'int' && f.type !== 'number'))
        report(pathOf(['streams', i, 'levelField']), 'a "level" stream needs levelField naming a numeric payload field')
    }
  })
}

export function checkCalendar(file: CalendarFile, report: Report): void {
  const { peak } = file.timeOfDay
  if (peak.from >= peak.to) report('$.timeOfDay.peak', `peak window ${peak.from}-${peak.to} is empty`)
}

export function checkRelationships(file: RelationshipsFile, catalog: Catalog, report: Report): void {
  const ids = new Set<string>()
  file.chains.forEach((chain, i) => {
    const at: Seg[] = ['chains', i]
    if (ids.has(chain.id)) report(pathOf([...at, 'id']), `duplicate chain id "${chain.id}"`)
    ids.add(chain.id)
    checkStreamName(chain.trigger, catalog, [...at, 'trigger'], report)
    chain.branches.forEach((b, j) => {
      const bat: Seg[] = [...at, 'branches', j]
      if (b.stream !== null) checkStreamName(b.stream, catalog, [...bat, 'stream'], report)
      if (b.delay !== undefined) tryParse(parseDelay, b.delay, [...bat, 'delay'], report)
      if (b.condition !== undefined) tryParse(parseCondition, b.condition, [...bat, 'condition'], report)
      if (b.count && b.count[0] > b.count[1]) report(pathOf([...bat, 'count']), `count range ${b.count.join('-')} runs backwards`)
      if (b.range && (b.range[0] > b.range[1] || b.probability < b.range[0] || b.probability > b.range[1]))
        report(pathOf([...bat, 'probability']), `probability ${b.probability} lies outside its range [${b.range.join(', ')}]`)
    })
    if (chain.outcomeField !== undefined) {
      const field = catalog.get(chain.trigger)?.payload[chain.outcomeField]
      if (!field || field.type !== 'enum') report(pathOf([...at, 'outcomeField']), `"${chain.outcomeField}" is not an enum field of ${chain.trigger}`)
      else {
        const values = new Set(field.values.map(String))
        chain.branches.forEach((b, j) => {
          if (b.value === undefined || !values.has(b.value))
            report(pathOf([...at, 'branches', j, 'value']), `needs a value of ${chain.trigger}.${chain.outcomeField} (${[...values].join(', ')})`)
        })
      }
    }
    if (chain.mode === 'outcome') {
      const sum = chain.branches.reduce((a, b) => a + b.probability, 0)
      if (Math.abs(sum - 1) > SUM_TOLERANCE)
        report(pathOf([...at, 'branches']), `outcome probabilities of chain "${chain.id}" sum to ${+sum.toFixed(6)}, expected 1`)
    }
  })
  // `then` names a deferred chain of the same trigger; a deferred chain needs someone to defer to it.
  const deferred = new Map(file.chains.filter((c) => c.deferred).map((c) => [c.id, c]))
  const called = new Set<string>()
  file.chains.forEach((chain, i) =>
    chain.branches.forEach((b, j) => {
      if (b.then === undefined) return
      const target = deferred.get(b.then)
      if (!target) report(pathOf(['chains', i, 'branches', j, 'then']), `"${b.then}" is not a deferred chain`)
      else if (target.trigger !== chain.trigger) report(pathOf(['chains', i, 'branches', j, 'then']), `deferred chain "${b.then}" has another trigger`)
      called.add(b.then)
    }),
  )
  file.chains.forEach((chain, i) => {
    if (chain.deferred && !called.has(chain.id)) report(pathOf(['chains', i, 'deferred']), `no branch defers to chain "${chain.id}"`)
  })
  file.cascades.forEach((c, i) => {
    const at: Seg[] = ['cascades', i]
    checkStreamName(c.trigger, catalog, [...at, 'trigger'], report)
    checkStreamName(c.target, catalog, [...at, 'target'], report)
    tryParse(parseDelay, c.delay, [...at, 'delay'], report)
    if (c.condition !== undefined) tryParse(parseCondition, c.condition, [...at, 'condition'], report)
  })
  tryParse(parseDuration, file.cascadePolicy.window, ['cascadePolicy', 'window'], report)
  file.correlations.forEach((c, i) => {
    checkStreamName(c.supply, catalog, ['correlations', i, 'supply'], report)
    checkStreamName(c.demand, catalog, ['correlations', i, 'demand'], report)
  })
  file.temporal.forEach((t, i) => {
    checkStreamName(t.before, catalog, ['temporal', i, 'before'], report)
    checkStreamName(t.after, catalog, ['temporal', i, 'after'], report)
    tryParse(parseDelay, t.delay, ['temporal', i, 'delay'], report)
  })
}

function checkImpact(
  impact: { streams: string[]; duration: string },
  catalog: Catalog,
  at: Seg[],
  report: Report,
): void {
  impact.streams.forEach((s, k) => checkStreamName(s, catalog, [...at, 'streams', k], report))
  tryParse(parseImpactDuration, impact.duration, [...at, 'duration'], report)
}

export function checkExternalEvents(file: ExternalEventsFile, catalog: Catalog, report: Report): void {
  const keys = new Set<string>()
  file.templates.forEach((t, i) => {
    const at: Seg[] = ['templates', i]
    if (keys.has(t.key)) report(pathOf([...at, 'key']), `duplicate template key "${t.key}"`)
    keys.add(t.key)
    checkImpact(t.expectedImpact, catalog, [...at, 'expectedImpact'], report)
    for (const s of Object.keys(t.streamDirections ?? {})) {
      if (!t.expectedImpact.streams.includes(s))
        report(pathOf([...at, 'streamDirections', s]), `"${s}" is not among the template's impacted streams`)
    }
  })
  const bg = file.background
  for (const key of ['weekdayPerDay', 'weekendPerDay'] as const) {
    if (bg[key][0] > bg[key][1]) report(pathOf(['background', key]), `range ${bg[key].join('-')} runs backwards`)
  }
}

function checkTimestamp(text: string, at: Seg[], report: Report): void {
  const s = text.trim()
  if (s === 'now') return
  if (s.startsWith('+')) return tryParse((x) => parseDuration(x.slice(1).trim()), s, at, report)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(Date.parse(s)))
    report(pathOf(at), `timestamp "${text}" is not "now", an ISO time or "+<int> <unit>"`)
}

export function checkScenario(def: ScenarioDefinition, catalog: Catalog, report: Report): void {
  tryParse(parseDuration, def.duration, ['duration'], report)
  if (def.settlementDuration !== undefined) tryParse(parseDuration, def.settlementDuration, ['settlementDuration'], report)
  for (const [name, mod] of Object.entries(def.affectedStreams)) {
    const at: Seg[] = ['affectedStreams', name]
    if (!checkStreamName(name, catalog, at, report)) continue
    if (mod.multiplier === undefined && mod.additive === undefined && (mod.override ?? undefined) === undefined && !mod.probabilityShift)
      report(pathOf(at), 'sets none of multiplier, additive, override, probabilityShift')
    if (typeof mod.override === 'number' && (mod.override < 0 || mod.override > 100))
      report(pathOf([...at, 'override']), `override ${mod.override} lies outside 0-100`)
    if (typeof mod.override === 'number' && !catalog.get(name)!.override)
      report(pathOf([...at, 'override']), `stream "${name}" does not define what an override sets (streams.json "override")`)
    for (const target of Object.keys(mod.probabilityShift ?? {})) checkStreamName(target, catalog, [...at, 'probabilityShift', target], report)
    const payload = catalog.get(name)!.payload
    for (const [field, shift] of Object.entries(mod.payloadShift ?? {})) {
      const domain = payload[field]
      const fat: Seg[] = [...at, 'payloadShift', field]
      if (!domain) report(pathOf(fat), `stream "${name}" has no payload field "${field}"`)
      else if ('weights' in shift) {
        if (domain.type !== 'enum') report(pathOf(fat), `field "${field}" is not an enum; use "scale"`)
        else {
          const values = new Set(domain.values.map(String))
          for (const v of Object.keys(shift.weights)) if (!values.has(v)) report(pathOf([...fat, 'weights', v]), `"${v}" is not a value of "${field}"`)
        }
      } else if (domain.type !== 'int' && domain.type !== 'number') report(pathOf(fat), `field "${field}" is not numeric; use "weights"`)
    }
  }
  ;(def.cascadeEffects ?? []).forEach((c, i) => {
    const at: Seg[] = ['cascadeEffects', i]
    checkStreamName(c.trigger, catalog, [...at, 'trigger'], report)
    for (const [target, e] of Object.entries(c.effect)) {
      const tat: Seg[] = [...at, 'effect', target]
      checkStreamName(target, catalog, tat, report)
      tryParse(parseDelay, e.delay, [...tat, 'delay'], report)
      if (e.condition !== undefined) tryParse(parseCondition, e.condition, [...tat, 'condition'], report)
    }
  })
  const ids = new Set<string>()
  def.externalEvents.forEach((ev, i) => {
    const at: Seg[] = ['externalEvents', i]
    if (ids.has(ev.id)) report(pathOf([...at, 'id']), `duplicate event id "${ev.id}"`)
    ids.add(ev.id)
    checkTimestamp(ev.timestamp, [...at, 'timestamp'], report)
    checkImpact(ev.expectedImpact, catalog, [...at, 'expectedImpact'], report)
  })
}
