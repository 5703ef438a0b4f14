/**
 * `--journal`: export the world a server holds, read from its control journal (STATE_DIR):
 * its seed, start and history length, and its scenario runs with their stops. Read only: the
 * server's file is never repaired or changed from here.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { WorldConfig } from '../config/load.js'
import { Journal } from '../journal/journal.js'
import { configHash } from '../journal/open.js'
import { fold, scenarioRunsOf } from '../journal/replay.js'
import type { ScenarioRun } from '../scenarios/lifecycle.js'
import { formatIso } from '../sim/payload.js'
import { UsageError, type ExportOptions } from './options.js'

export function fromJournal(o: ExportOptions, world: WorldConfig): { options: ExportOptions; runs: () => ScenarioRun[] } {
  const where = o.journal!
  const dir = where.endsWith('.ndjson') ? path.dirname(where) : where
  const journal = new Journal(dir)
  if (!fs.existsSync(journal.file)) throw new UsageError(`--journal ${where}: no journal.ndjson there (give the server's STATE_DIR)`)
  const read = journal.read(false)
  const w = read.world
  if (!w) throw new UsageError(`--journal ${where}: the journal has no world record`)
  if (w.configHash !== configHash(world)) throw new UsageError(`--journal ${where}: it was written with another config (use --config with the server's)`)
  const clash = (flag: string, given: boolean, mine: number, theirs: number, show: (v: number) => string) => {
    if (given && mine !== theirs) throw new UsageError(`--${flag} ${show(mine)} differs from the journal's ${show(theirs)}: leave it out`)
  }
  clash('start', o.given.start, o.startMs, w.startMs, formatIso)
  clash('seed', o.given.seed, o.seed, w.seed, String)
  clash('history-days', o.given.historyDays, o.historyDays, w.historyDays, String)
  const specs = fold(w, read.actions).runs
  scenarioRunsOf(specs, world) // fails here, before any work, if a scenario is unknown
  return { options: { ...o, seed: w.seed, startMs: w.startMs, historyDays: w.historyDays }, runs: () => scenarioRunsOf(specs, world) }
}
