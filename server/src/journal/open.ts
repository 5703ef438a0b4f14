/**
 * At start: which world to build. A journal whose world matches what the environment asks for
 * (variables left unset ask for nothing) is replayed; one for another world, or another
 * config, is put aside and a new one begun. Damaged records are skipped with their line numbers
 * and the file as it was kept beside; only a journal path that is not a file stops the start.
 */
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { WorldConfig } from '../config/load.js'
import { DEFAULT_HISTORY_DAYS } from '../env.js'
import { BUCKET_MS } from '../sim/time.js'
import type { HostOptions, Persistence } from '../simulation-host.js'
import { IN_MEMORY, Journal, JournalPathError, type JournalRead } from './journal.js'
import { fold, REFILL_MS } from './replay.js'
import { stateDirProblem } from './writable.js'

/** The default seed: a plain `npm start` is reproducible. */
export const DEFAULT_SEED = 42

/**
 * The live start when none is asked for: the wall clock, floored to the 5-minute bucket, so
 * the live start falls on a bucket boundary (a restart then reports the same cascade ground
 * truth as the first run; see the README's Restarts).
 */
export function defaultStart(wallMs: number): number {
  return Math.floor(wallMs / BUCKET_MS) * BUCKET_MS
}

export function configHash(world: WorldConfig): string {
  const { dir: _, streamByName: __, ...data } = world
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16)
}

export interface Opened {
  options: HostOptions
  persistence: Persistence | undefined
}

export function openWorld(
  world: WorldConfig,
  /** What was asked for; `defaultStartMs` is the live start when neither the caller nor a journal names one. */
  asked: Partial<HostOptions> & { defaultStartMs?: number },
  stateDir: string | undefined,
  log: FastifyBaseLogger,
): Opened {
  // The wall clock is read here and in the host, in the shell, never in the core.
  const wallNow = asked.wallNow ?? Date.now
  const options = (o: Partial<HostOptions>, live: boolean): HostOptions => ({
    seed: o.seed ?? DEFAULT_SEED,
    startMs: o.startMs ?? asked.defaultStartMs ?? defaultStart(wallNow()),
    historyDays: o.historyDays ?? DEFAULT_HISTORY_DAYS,
    speed: o.speed ?? 1,
    tickMs: o.tickMs ?? 50,
    realNow: o.realNow,
    wallNow,
    live,
    expectation: o.expectation,
  })
  // Without a fixed SIM_START the clock is the wall clock (design principle 7).
  const unset = asked.startMs === undefined
  if (stateDir === undefined || stateDir === IN_MEMORY) return { options: options(asked, unset), persistence: undefined }

  const problem = stateDirProblem(stateDir)
  if (problem) throw new JournalPathError(problem)
  const journal = new Journal(stateDir)
  const hash = configHash(world)
  const read = readJournal(journal, log)
  const w = read.world
  if (w) {
    const same =
      w.configHash === hash &&
      (asked.seed ?? w.seed) === w.seed &&
      (asked.startMs ?? w.startMs) === w.startMs &&
      (asked.historyDays ?? w.historyDays) === w.historyDays
    if (same) {
      const replay = fold(w, read.actions)
      journal.compact(w, read.actions, 2 * REFILL_MS)
      log.info({ file: journal.file, runs: replay.runs.length, at: new Date(replay.resumeAt).toISOString() }, 'journal: replaying the world where it stood')
      // A world begun with SIM_START keeps its fixed timeline when the variable is later unset.
      const o = options({ ...asked, seed: w.seed, startMs: w.startMs, historyDays: w.historyDays }, unset && (w.live ?? true))
      return { options: o, persistence: { journal, replay, configHash: hash } }
    }
    const kept = journal.archive(wallNow())
    log.warn({ kept }, 'journal: it records another world (seed, start, history length or config differ); a new one begins')
  } else if (read.damaged.length > 0 || read.orphans > 0) {
    const kept = journal.archive(wallNow())
    log.error(
      { kept, damagedLines: read.damaged, goodRecords: read.orphans },
      `journal: its first line is not a world record, so the world it recorded cannot be rebuilt; a new one begins and the old journal is kept, unchanged, at ${kept} (put a good first line back from a backup and move it to ${journal.file} to replay it)`,
    )
  }
  return { options: options(asked, unset), persistence: { journal, configHash: hash } }
}

/** The journal's good records, saying what was skipped or cut and where the original went. */
function readJournal(journal: Journal, log: FastifyBaseLogger): JournalRead {
  let read: JournalRead
  try {
    read = journal.read()
  } catch (err) {
    if (!(err instanceof JournalPathError)) throw err
    throw new JournalPathError(`${err.message}: move it aside (or remove it) so a journal can be written there, or set STATE_DIR to another directory`)
  }
  if (read.torn) log.warn({ file: journal.file }, 'journal: its last line, torn by a crash mid-write, was cut off')
  if (read.world && read.damaged.length > 0)
    log.warn(
      { file: journal.file, damagedLines: read.damaged, kept: read.kept },
      `journal: damaged records at line ${read.damaged.join(', ')} were skipped and every good record after them kept; the file as it was is kept at ${read.kept}`,
    )
  return read
}
