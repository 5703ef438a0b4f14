/**
 * The export's command line: parsed, checked against the world, and turned into the window to
 * simulate. Every problem is a UsageError with one line that names the option, so a typo
 * never costs a 30-day build before it is reported.
 */
import path from 'node:path'
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import type { WorldConfig } from '../config/load.js'
import { BUCKET_MS, DAY, floorTo } from '../sim/time.js'
import { formatIso } from '../sim/payload.js'
import { newRun, settleEnd, type ScenarioRun } from '../scenarios/lifecycle.js'

export class UsageError extends Error {}

export type Format = 'ndjson' | 'csv'

export interface ExportOptions {
  fromMs: number
  toMs: number
  /** The world's live start (the server's SIM_START). */
  startMs: number
  historyDays: number
  seed: number
  /** Stream names to keep; undefined keeps all. */
  streams: Set<string> | undefined
  format: Format
  /** undefined: stdout. */
  out: string | undefined
  truth: boolean
  configDir: string | undefined
  /** `id@ISO` activations, in the order given (they are numbered mod_001… like the server's). */
  scenarios: Array<{ id: string; atMs: number }>
  /** A server's STATE_DIR (or its journal.ndjson): its world and scenario runs, stops included. */
  journal: string | undefined
  /** baseline: the same world without any scenario run (the counterfactual); its events are numbered on their own. */
  world: 'current' | 'baseline'
  /** The progress bar on stderr: `auto` draws it when stderr is a terminal, `on`/`off` decide. */
  progress: 'auto' | 'on' | 'off'
  /** Write a labelled dataset folder here instead of events (one CSV per stream, windows.json, README). */
  dataset: string | undefined
  /** The dataset's interval (5m, 15m, 1h, 6h, 12h, 1d) and window threshold. */
  intervalMs: number
  threshold: number
  /** Which of --start, --seed, --history-days were given (a journal's world must agree with them). */
  given: { start: boolean; seed: boolean; historyDays: boolean }
}

export const USAGE =
  'usage: npm run -s export -- --from <ISO> --to <ISO> [--start <ISO>] [--history-days N] [--seed N] ' +
  '[--streams a,b] [--format ndjson|csv] [--out FILE] [--truth] [--config DIR] [--scenario id@ISO]... [--journal STATE_DIR] [--world current|baseline] ' +
  '[--progress auto|on|off] [--suite NAME] [--dataset DIR [--interval 5m] [--threshold 0.1]] [--help]'

/** `--help`: the usage and what each option does (README, "Export", says more). */
export const HELP = `${USAGE}

Writes every event of the window [from, to) as the server's own core generates it, as NDJSON
or CSV, to stdout or --out FILE.

  --from, --to <ISO>        the window, ISO-8601 with a zone (required)
  --start <ISO>             the world's live start (SIM_START); default --from
  --history-days N          as SIM_HISTORY_DAYS (1-90, default 30)
  --seed N                  as SIM_SEED (default 42)
  --streams a,b             only these streams (default all 50)
  --format ndjson|csv       default ndjson
  --out FILE                write FILE (under a temporary name until complete); default stdout
  --truth                   also FILE.truth.ndjson, the ground truth of the window (needs --out)
  --scenario id@ISO         a scenario activated then (repeatable, in time order)
  --journal STATE_DIR       the world and scenario runs of a server's control journal
  --world current|baseline  baseline: the same window without any scenario (the counterfactual)
  --config DIR              as CONFIG_DIR (default config/)
  --progress auto|on|off    the progress bar on stderr; auto: only when stderr is a terminal
  --suite NAME              a benchmark suite of config/suites/: its world, window and scenarios (and threshold)
  --dataset DIR             instead of events: a labelled dataset (one CSV per stream, timestamp,value,is_anomaly;
                            windows.json as NAB's combined_windows; a README naming the world)
  --interval 5m|15m|1h|6h|12h|1d   the dataset's interval (default 5m)
  --threshold X             a window where a stream's expected count moves by more than X (default 0.1)
  -h, --help                this text

Exit codes: 0 done (or --help), 2 bad input (nothing written), 1 any other failure.`

/** `--help` or `-h` anywhere: the help is printed and nothing else is done. */
export const wantsHelp = (argv: string[]) => argv.includes('--help') || argv.includes('-h')

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

function isoTime(name: string, raw: string): number {
  const t = Date.parse(raw)
  if (!ISO.test(raw) || Number.isNaN(t)) throw new UsageError(`--${name} ${raw}: expected an ISO-8601 time with a zone, such as 2026-11-26T08:00:00Z`)
  return t
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} ${raw}: expected an integer from ${min} to ${max}`)
  return n
}

/** A benchmark suite (config/suites/NAME.json): a world, a window and a schedule of scenarios, by name. */
interface Suite {
  seed: number
  start: string
  historyDays: number
  from: string
  to: string
  scenarios: Array<{ id: string; at: string }>
  threshold?: number
  interval?: string
}

/** `--suite NAME` replaced by the options it stands for; the world options may then not be given too. */
export function expandSuite(argv: string[], configDir: string): string[] {
  const i = argv.indexOf('--suite')
  if (i < 0) return argv
  const name = argv[i + 1]
  if (!name || !/^[a-z0-9-]+$/.test(name)) throw new UsageError(`--suite ${name ?? ''}: expected a suite name such as standard-7d`)
  const file = path.join(configDir, 'suites', `${name}.json`)
  if (!fs.existsSync(file)) {
    const known = fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)) : []
    throw new UsageError(`--suite ${name}: no such suite (${known.join(', ') || 'none'})`)
  }
  const suite = JSON.parse(fs.readFileSync(file, 'utf8')) as Suite
  const rest = [...argv.slice(0, i), ...argv.slice(i + 2)]
  const fixed = ['--from', '--to', '--start', '--seed', '--history-days', '--scenario', '--journal']
  const clash = rest.find((a) => fixed.includes(a))
  if (clash) throw new UsageError(`--suite ${name} fixes the world and window: leave ${clash} out`)
  const defaults = [...(rest.includes('--threshold') || suite.threshold === undefined ? [] : ['--threshold', String(suite.threshold)]), ...(rest.includes('--interval') || !suite.interval ? [] : ['--interval', suite.interval])]
  return [
    ...rest,
    '--from', suite.from, '--to', suite.to, '--start', suite.start, '--seed', String(suite.seed), '--history-days', String(suite.historyDays),
    ...suite.scenarios.flatMap((s) => ['--scenario', `${s.id}@${s.at}`]),
    ...defaults,
  ]
}

/** Parse argv (without node and the script); checks that need no world. */
export function parseOptions(argv: string[], defaultSeed: number): ExportOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        start: { type: 'string' },
        'history-days': { type: 'string' },
        seed: { type: 'string' },
        streams: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        truth: { type: 'boolean' },
        config: { type: 'string' },
        scenario: { type: 'string', multiple: true },
        journal: { type: 'string' },
        world: { type: 'string' },
        progress: { type: 'string' },
        dataset: { type: 'string' },
        interval: { type: 'string' },
        threshold: { type: 'string' },
      },
    }))
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!)
  }
  if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to are required')
  const fromMs = isoTime('from', values.from)
  const toMs = isoTime('to', values.to)
  if (toMs <= fromMs) throw new UsageError(`--to ${values.to} must be after --from ${values.from}`)
  const format = values.format ?? 'ndjson'
  if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format ${format}: expected ndjson or csv`)
  const streams = values.streams?.split(',').map((s) => s.trim()).filter(Boolean)
  if (streams !== undefined && streams.length === 0) throw new UsageError('--streams: expected a comma-separated list of stream names')
  const out = values.out === undefined || values.out === '-' ? undefined : values.out
  if (values.truth && out === undefined) throw new UsageError('--truth writes <out>.truth.ndjson beside the events: give --out FILE')
  if (out !== undefined) {
    const dir = path.dirname(path.resolve(out))
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--out ${out}: directory ${dir} does not exist`)
  }
  const scenarios = (values.scenario ?? []).map((s) => {
    const at = s.indexOf('@')
    if (at <= 0) throw new UsageError(`--scenario ${s}: expected <scenarioId>@<ISO time>`)
    return { id: s.slice(0, at), atMs: isoTime('scenario', s.slice(at + 1)) }
  })
  if (values.journal !== undefined && scenarios.length > 0) throw new UsageError('--journal holds the scenario runs already: leave --scenario out')
  const progress = values.progress ?? 'auto'
  if (progress !== 'auto' && progress !== 'on' && progress !== 'off') throw new UsageError(`--progress ${progress}: expected auto, on or off`)
  const INTERVALS: Record<string, number> = { '5m': 5, '15m': 15, '1h': 60, '6h': 360, '12h': 720, '1d': 1440 }
  const interval = values.interval ?? '5m'
  if (INTERVALS[interval] === undefined) throw new UsageError(`--interval ${interval}: expected one of ${Object.keys(INTERVALS).join(', ')}`)
  const threshold = values.threshold === undefined ? 0.1 : Number(values.threshold)
  if (!(threshold > 0 && threshold <= 10)) throw new UsageError(`--threshold ${values.threshold}: expected a number in (0, 10]`)
  if (values.dataset !== undefined && out !== undefined) throw new UsageError('--dataset writes a folder of its own: leave --out out')
  const world = values.world ?? 'current'
  if (world !== 'current' && world !== 'baseline') throw new UsageError(`--world ${world}: expected current or baseline`)
  return {
    fromMs,
    toMs,
    // Default: the window is the live run of a server started at --from (SIM_START=<from>),
    // so any length works, seq starts at 1, and a longer --to only appends.
    startMs: values.start === undefined ? fromMs : isoTime('start', values.start),
    historyDays: integer('history-days', values['history-days'], 30, 1, 90),
    seed: integer('seed', values.seed, defaultSeed, 0, 2 ** 32 - 1),
    streams: streams && new Set(streams),
    format,
    out,
    truth: values.truth ?? false,
    configDir: values.config,
    scenarios,
    journal: values.journal,
    world,
    progress,
    dataset: values.dataset,
    intervalMs: INTERVALS[interval]! * 60_000,
    threshold,
    given: { start: values.start !== undefined, seed: values.seed !== undefined, historyDays: values['history-days'] !== undefined },
  }
}

/** Where the world's history begins (the server's historyStartTime). */
export function historyStartMs(o: Pick<ExportOptions, 'startMs' | 'historyDays'>): number {
  return floorTo(o.startMs - o.historyDays * DAY, BUCKET_MS)
}

/** Checks against the world: stream names, the window inside it, scenarios the server would accept. */
export function checkAgainstWorld(o: ExportOptions, world: WorldConfig): void {
  if (o.streams) {
    const unknown = [...o.streams].filter((s) => !world.streamByName.has(s))
    if (unknown.length > 0) throw new UsageError(`--streams: unknown stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (GET /api/streams lists them)`)
  }
  const first = historyStartMs(o)
  if (o.fromMs < first) {
    throw new UsageError(`--from ${formatIso(o.fromMs)} lies before the world's history, which starts at ${formatIso(first)} (--start minus --history-days ${o.historyDays})`)
  }
  scenarioRuns(o, world)
}

/** The scenario runs of --scenario, as the server's controller would have made them. */
export function scenarioRuns(o: ExportOptions, world: WorldConfig): ScenarioRun[] {
  const runs: ScenarioRun[] = []
  o.scenarios.forEach(({ id, atMs }, i) => {
    const def = world.scenarios.find((s) => s.id === id)
    if (!def) throw new UsageError(`--scenario ${id}: no such scenario (config/scenarios has ${world.scenarios.map((s) => s.id).join(', ')})`)
    if (id === 'normal-operations') throw new UsageError('--scenario normal-operations is the reset button: leave it and the runs before it out')
    if (atMs < historyStartMs(o)) throw new UsageError(`--scenario ${id}@${formatIso(atMs)} lies before the world's history`)
    const prev = runs[runs.length - 1]
    if (prev && prev.startMs > atMs) throw new UsageError(`--scenario ${id}@${formatIso(atMs)}: give the scenarios in the order of their times`)
    if (prev && settleEnd(prev) > atMs) throw new UsageError(`--scenario ${id}@${formatIso(atMs)}: ${prev.def.id} is still active or settling then (one at a time)`)
    // A live activation and a backdated one both take effect, and are known, from their start.
    runs.push(newRun(`mod_${String(i + 1).padStart(3, '0')}`, def, atMs, atMs))
  })
  return runs
}
