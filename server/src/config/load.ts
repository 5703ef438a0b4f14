/**
 * Reads config/, checks every file against its shared-types schema, then checks what a schema
 * cannot say (names exist, durations parse, outcome branches sum to 1 …). Any problem stops the
 * start with `<file>: <json path>: <problem>` lines, all problems at once.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { TSchema } from '@sinclair/typebox'
import {
  CalendarFile,
  ExternalEventsFile,
  RelationshipsFile,
  ScenarioDefinition,
  ScenarioIndexFile,
  StreamsFile,
  type StreamDef,
} from '@marketsim/shared-types'
import { schemaProblem } from './schema-check.js'
import { checkCalendar, checkExternalEvents, checkRelationships, checkScenario, checkStreams, type Report } from './semantic.js'

export interface WorldConfig {
  dir: string
  streams: StreamsFile
  streamByName: ReadonlyMap<string, StreamDef>
  relationships: RelationshipsFile
  calendar: CalendarFile
  scenarioIndex: ScenarioIndexFile
  /** In index order. */
  scenarios: ScenarioDefinition[]
  externalEvents: ExternalEventsFile
}

export interface ConfigProblem {
  file: string
  path: string
  problem: string
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file}: ${p.path}: ${p.problem}`).join('\n'),
    )
    this.name = 'ConfigError'
    this.problems = problems
  }
}

function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel
}

export function loadConfig(dir: string): WorldConfig {
  const problems: ConfigProblem[] = []

  /** Parse and schema-check one file; undefined when it is unusable. */
  function read<T>(rel: string, schema: TSchema): T | undefined {
    const file = path.join(dir, rel)
    const shown = shownPath(file)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      problems.push({ file: shown, path: '$', problem: 'file is missing or unreadable' })
      return undefined
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      problems.push({ file: shown, path: '$', problem: `invalid JSON: ${(e as Error).message}` })
      return undefined
    }
    const bad = schemaProblem(schema, value)
    if (bad) {
      problems.push({ file: shown, ...bad })
      return undefined
    }
    return value as T
  }

  function reporter(rel: string): Report {
    const file = shownPath(path.join(dir, rel))
    return (p, problem) => problems.push({ file, path: p, problem })
  }

  const streams = read<StreamsFile>('streams.json', StreamsFile)
  const relationships = read<RelationshipsFile>('relationships.json', RelationshipsFile)
  const calendar = read<CalendarFile>('calendar.json', CalendarFile)
  const externalEvents = read<ExternalEventsFile>('external-events.json', ExternalEventsFile)
  const scenarioIndex = read<ScenarioIndexFile>('scenarios/index.json', ScenarioIndexFile)

  const streamByName = new Map<string, StreamDef>()
  if (streams) checkStreams(streams, streamByName, reporter('streams.json'))
  if (calendar) checkCalendar(calendar, reporter('calendar.json'))
  // Cross-file checks need the catalog; without it they would only add noise.
  if (streams && relationships) checkRelationships(relationships, streamByName, reporter('relationships.json'))
  if (streams && externalEvents) checkExternalEvents(externalEvents, streamByName, reporter('external-events.json'))

  const scenarios: ScenarioDefinition[] = []
  if (scenarioIndex) {
    const seen = new Set<string>()
    scenarioIndex.scenarios.forEach((entry, i) => {
      const report = reporter('scenarios/index.json')
      if (seen.has(entry.id)) report(`$.scenarios[${i}].id`, `duplicate scenario id "${entry.id}"`)
      seen.add(entry.id)
      const rel = `scenarios/${entry.file}`
      const def = read<ScenarioDefinition>(rel, ScenarioDefinition)
      if (!def) return
      if (def.id !== entry.id) reporter(rel)('$.id', `id "${def.id}" differs from its index entry "${entry.id}"`)
      if (streams) checkScenario(def, streamByName, reporter(rel))
      scenarios.push(def)
    })
    const listed = new Set(scenarioIndex.scenarios.map((s) => s.file))
    const onDisk = safeList(path.join(dir, 'scenarios')).filter((f) => f.endsWith('.json') && f !== 'index.json')
    for (const f of onDisk) {
      if (!listed.has(f)) reporter('scenarios/index.json')('$.scenarios', `scenarios/${f} is not listed in the index`)
    }
  }

  if (problems.length > 0) throw new ConfigError(problems)
  return {
    dir,
    streams: streams!,
    streamByName,
    relationships: relationships!,
    calendar: calendar!,
    scenarioIndex: scenarioIndex!,
    scenarios,
    externalEvents: externalEvents!,
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
