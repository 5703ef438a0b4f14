/**
 * `npm run score -- --flags FILE.ndjson --from <ISO> --to <ISO> [world options]`: score a
 * detector's flags offline, against the world the export options name (seed, start, history,
 * `--scenario id@ISO`…, or a server's `--journal`), exactly as POST /api/detector/score would
 * on that server. Prints the response as JSON on stdout; usage errors exit 2.
 */
import fs from 'node:fs'
import { DEFAULT_SEED } from '../journal/open.js'
import { ConfigError, loadConfig } from '../config/load.js'
import { DEFAULT_CONFIG_DIR } from '../paths.js'
import { checkAgainstWorld, parseOptions, scenarioRuns, UsageError } from '../export/options.js'
import { fromJournal } from '../export/journal.js'
import { countedWorld } from '../export/window.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import { formatIso } from '../sim/payload.js'
import { DEFAULT_THRESHOLD, windowsOf } from './windows.js'
import { scoreDetector } from './score.js'

export const SCORE_USAGE =
  'usage: npm run -s score -- --flags FILE.ndjson --from <ISO> --to <ISO> [--threshold X] [--start <ISO>] [--history-days N] [--seed N] [--streams a,b] [--scenario id@ISO]... [--journal STATE_DIR] [--config DIR]'

/** The options this command adds to the export's (the rest describe the world). */
function own(argv: string[]): { flags: string | undefined; threshold: number; rest: string[] } {
  const rest: string[] = []
  let flags: string | undefined
  let threshold = DEFAULT_THRESHOLD
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--flags') flags = argv[++i]
    else if (a === '--threshold') {
      threshold = Number(argv[++i])
      if (!(threshold > 0 && threshold <= 10)) throw new UsageError(`--threshold ${argv[i]}: expected a number in (0, 10]`)
    } else rest.push(a)
  }
  return { flags, threshold, rest }
}

export async function main(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${SCORE_USAGE}\n`)
    return 0
  }
  try {
    const { flags: file, threshold, rest } = own(argv)
    if (!file) throw new UsageError('--flags FILE.ndjson is required (one {"stream","timestamp"} a line)')
    let o = parseOptions(rest, DEFAULT_SEED)
    const world = loadConfig(o.configDir ?? DEFAULT_CONFIG_DIR)
    let runs = () => scenarioRuns(o, world)
    if (o.journal !== undefined) ({ options: o, runs } = fromJournal(o, world))
    checkAgainstWorld(o, world)
    const streams = o.streams ? [...o.streams] : world.streams.streams.map((s) => s.name)
    const watched = new Set(streams)
    const lines = fs.readFileSync(file, 'utf8').split('\n')
    const flags = lines.flatMap((line, i) => {
      if (line.trim() === '') return []
      let f: { stream?: unknown; timestamp?: unknown }
      try {
        f = JSON.parse(line) as typeof f
      } catch {
        throw new UsageError(`${file}:${i + 1}: not JSON`)
      }
      const t = typeof f.timestamp === 'string' ? Date.parse(f.timestamp) : Number.NaN
      if (typeof f.stream !== 'string' || !watched.has(f.stream)) throw new UsageError(`${file}:${i + 1}: stream ${JSON.stringify(f.stream)} is not one of the streams scored`)
      if (Number.isNaN(t)) throw new UsageError(`${file}:${i + 1}: timestamp ${JSON.stringify(f.timestamp)} is not an ISO-8601 time`)
      if (t < o.fromMs || t >= o.toMs) throw new UsageError(`${file}:${i + 1}: ${f.timestamp} lies outside --from/--to`)
      return [{ stream: f.stream, t }]
    })
    const sim = countedWorld({ ...o, runs }, world)
    const windows = windowsOf(groundTruth(sim, o.fromMs, o.toMs), threshold, watched)
    const result = { timeRange: { start: formatIso(o.fromMs), end: formatIso(o.toMs) }, threshold, ...scoreDetector(windows, flags, streams, o.fromMs, o.toMs) }
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof ConfigError)) throw e
    io.stderr.write(`score: ${e.message}\n${SCORE_USAGE}\n`)
    return 2
  }
}
