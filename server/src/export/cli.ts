/**
 * `npm run export`: parse, check against the world, then stream the window into a temporary
 * file beside --out and rename it at the end, so a failed or interrupted export never leaves
 * a partial file under the name asked for. Exit codes: 0 done, 2 bad input, 1 anything else.
 */
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { DEFAULT_SEED } from '../journal/open.js'
import { ConfigError, loadConfig, type WorldConfig } from '../config/load.js'
import { DEFAULT_CONFIG_DIR } from '../paths.js'
import { formatBatch, header } from './format.js'
import { fromJournal } from './journal.js'
import { checkAgainstWorld, expandSuite, HELP, parseOptions, scenarioRuns, USAGE, UsageError, wantsHelp, type ExportOptions } from './options.js'
import { progressLine, summaryLine } from './progress.js'
import { countedWorld, windowEvents, windowTruth, type Progress, type WindowSpec } from './window.js'
import { writeDataset } from '../detector/dataset.js'

export interface ExportIO {
  stdout: Writable
  stderr: { write(text: string): unknown; isTTY?: boolean }
  /** Wall clock (ms) for the bar and the summary; the events never depend on it. */
  now?: () => number
}

const REDRAW_MS = 100

/** A file written under a temporary name and renamed into place only when complete. */
class PendingFile {
  readonly tmp: string
  constructor(readonly target: string) {
    this.tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`)
  }
  commit(): void {
    fs.renameSync(this.tmp, this.target)
  }
  discard(): void {
    fs.rmSync(this.tmp, { force: true })
  }
}

/** `--dataset DIR`: the world run to --to (counted only), then the labelled folder. */
function dataset(o: ExportOptions, spec: WindowSpec, world: WorldConfig, argv: string[], io: ExportIO): number {
  const sim = countedWorld(spec, world)
  const streams = o.streams ? [...o.streams] : sim.streamNames
  const r = writeDataset(o.dataset!, sim, { fromMs: o.fromMs, toMs: o.toMs, streams, threshold: o.threshold, intervalMs: o.intervalMs, command: `npm run -s export -- ${argv.map((a) => (a === o.dataset ? 'DIR' : a)).join(' ')}` })
  io.stderr.write(`export: dataset of ${r.files} streams and ${r.windows} windows in ${o.dataset}\n`)
  return 0
}

export async function main(argv: string[], io: ExportIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(`${HELP}\n`)
    return 0
  }
  let o: ExportOptions
  let spec: WindowSpec
  let world: WorldConfig
  try {
    const configIndex = argv.indexOf('--config')
    o = parseOptions(expandSuite(argv, configIndex >= 0 ? argv[configIndex + 1]! : DEFAULT_CONFIG_DIR), DEFAULT_SEED)
    world = loadConfig(o.configDir ?? DEFAULT_CONFIG_DIR)
    const w = world
    let runs = () => scenarioRuns(o, w)
    if (o.journal !== undefined) ({ options: o, runs } = fromJournal(o, w))
    checkAgainstWorld(o, world)
    if (o.world === 'baseline') runs = () => []
    spec = { ...o, runs }
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof ConfigError)) throw e
    io.stderr.write(`export: ${e.message}\n${e instanceof UsageError ? USAGE + '\n' : ''}`)
    return 2
  }

  if (o.dataset !== undefined) return dataset(o, spec, world, argv, io)

  const events = o.out ? new PendingFile(o.out) : undefined
  const truth = o.truth && o.out ? new PendingFile(`${o.out}.truth.ndjson`) : undefined
  const sink: Writable = events ? fs.createWriteStream(events.tmp) : io.stdout
  let failure: NodeJS.ErrnoException | undefined
  const onError = (e: Error) => void (failure ??= e)
  sink.on('error', onError)
  const interrupted = () => {
    events?.discard()
    truth?.discard()
    process.exit(130)
  }
  process.once('SIGINT', interrupted)

  const now = io.now ?? (() => performance.now())
  const t0 = now()
  let firstWrite: number | undefined
  let lastDraw = -Infinity
  let written = 0
  // A bar on a terminal; piped (a log, CI), only the summary line at the end.
  const tty = o.progress === 'on' || (o.progress === 'auto' && io.stderr.isTTY === true)
  const draw = (p: Progress) => {
    // At most ten frames a second, and always the last one (100%).
    if (!tty || (p.done < p.total && now() - lastDraw < REDRAW_MS)) return
    lastDraw = now()
    io.stderr.write(`\r${progressLine(p, lastDraw - (firstWrite ?? lastDraw))}`)
  }
  // Wait for the sink to drain (or fail) before the next slice: memory stays at one slice.
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (text === '' || sink.write(text) || failure) return resolve()
      const done = () => {
        sink.off('drain', done)
        sink.off('error', done)
        resolve()
      }
      sink.on('drain', done)
      sink.on('error', done)
    })

  try {
    await write(header(o.format))
    const it = windowEvents(spec, world, draw)
    let r = it.next()
    for (; !r.done && !failure; r = it.next()) {
      firstWrite ??= now()
      written += r.value.length
      await write(formatBatch(r.value, o.format))
    }
    if (failure) throw failure
    const effects = truth && r.done ? windowTruth(r.value, spec) : undefined
    if (events) {
      sink.end()
      await once(sink, 'finish')
      if (failure) throw failure
    }
    if (truth && effects) fs.writeFileSync(truth.tmp, effects.map((e) => JSON.stringify(e) + '\n').join(''))
    events?.commit()
    truth?.commit()
    if (tty) io.stderr.write('\r\x1b[K')
    const end = now()
    io.stderr.write(
      summaryLine({ events: written, truth: effects?.length, target: o.out ?? 'stdout', totalMs: end - t0, writeMs: firstWrite === undefined ? 0 : end - firstWrite }) + '\n',
    )
    return 0
  } catch (e) {
    events?.discard()
    truth?.discard()
    // A reader that stopped early (`| head`) is not a failure of the export.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0
    io.stderr.write(`${tty ? '\n' : ''}export: failed: ${(e as Error).message}\n`)
    return 1
  } finally {
    process.removeListener('SIGINT', interrupted)
    sink.removeListener('error', onError)
  }
}
