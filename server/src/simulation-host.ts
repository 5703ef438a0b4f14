/**
 * The live shell around the pure simulation: it owns the virtual clock's anchor on the wall
 * clock and the tick that advances the world, bounded per tick so the event loop stays
 * responsive. When the world cannot keep up with a sped-up clock it falls behind and the clock
 * waits for it.
 *
 * A live world (SIM_START unset) has a clock that is a function of the wall clock and the
 * journal's last clock anchor: it starts at now, and a restart recomputes where the clock is
 * and simulates the downtime forward before the server reports ready.
 */
import { guarded } from './guard.js'
import type { Governor } from './load/governor.js'
import { SpeedMeter } from './load/meter.js'
import type { FastifyBaseLogger } from 'fastify'
import type { ClockState } from '@marketsim/shared-types'
import type { WorldConfig } from './config/load.js'
import { VirtualClock } from './sim/clock.js'
import type { ExpectationState } from './sim/expectation.js'
import { formatIso } from './sim/payload.js'
import { Simulation } from './sim/simulation.js'
import { DAY, MINUTE } from './sim/time.js'
import { Errors } from './errors.js'
import type { HealthState } from './health-state.js'
import { ScenarioController, type ControllerHost } from './scenarios/controller.js'
import { expectedWorlds } from './scenarios/ground-truth.js'
import type { ScenarioRun } from './scenarios/lifecycle.js'
import type { JournalSink } from './journal/journal.js'
import type { Action, ActionRecord, JournalRecord, WorldRecord } from './journal/records.js'
import { REFILL_MS, scenarioRunsOf, type Replay } from './journal/replay.js'

export interface HostOptions {
  seed: number
  /** Simulated time of the live start (history ends here). */
  startMs: number
  historyDays: number
  /** Initial clock speed (simulated seconds per real second). */
  speed: number
  /** Real milliseconds between ticks; 0 disables the tick (tests drive the clock themselves). */
  tickMs: number
  /** Monotonic real-time source (ms): the tick's work budget and the checkpoints' pace. */
  realNow?: () => number
  /** The wall clock (ms since the epoch) the virtual clock runs against (default Date.now). */
  wallNow?: () => number
  /**
   * The clock follows the wall clock (SIM_START unset): it starts at now, not at the live
   * start, and a restart simulates the downtime instead of resuming where the world stood.
   */
  live?: boolean
  /** The expectation pass computed on another thread (server start), taken over by the first world. */
  expectation?: Promise<ExpectationState | undefined>
}

/** Per tick, at most this much real time goes into simulation work. */
const TICK_BUDGET_MS = 40
/** Simulated time advanced per slice inside a tick. */
const SLICE_MS = 10_000
/** When the world is this far behind the clock (real seconds at the current speed), the clock waits. */
const MAX_LAG_REAL_MS = 2_000
/** Real milliseconds between journal checkpoints: a crash re-emits at most this much. */
const CHECKPOINT_MS = 1_000
/**
 * The most simulated time a restart or `{ live: true }` simulates in one go: 3-5 s of work
 * (measured: 12-250 ms per simulated hour of an exam-season day, payloads not built; 4.6 s for
 * the day in the capped-restart test). A clock further behind is re-anchored there and runs on
 * with its offset shown.
 */
export const MAX_CATCHUP_MS = DAY
/** Simulated time advanced per slice of a catch-up. */
const CATCHUP_SLICE_MS = 10 * MINUTE
/** A catch-up round shorter than this (real ms) ends it: the tick follows the rest. */
const CATCHUP_SETTLED_MS = 20

/**
 * Build a simulation's history a simulated day at a time, yielding between, so requests keep
 * being answered. `step` hears where the world got after each slice.
 */
async function buildInSlices(sim: Simulation, step?: (now: number) => void): Promise<void> {
  for (const _ of sim.buildSteps()) {
    step?.(sim.now)
    await new Promise((r) => setImmediate(r))
  }
}

const daysText = (n: number) => `${n} day${n === 1 ? '' : 's'}`

/** The first build's progress in the log: one line per tenth of the history, so a start is never silent. */
function historyProgress(log: FastifyBaseLogger, historyStartMs: number, historyDays: number): (now: number) => void {
  let told = 0
  return (now) => {
    const days = Math.min(historyDays, Math.max(0, Math.floor((now - historyStartMs) / DAY)))
    const tenth = Math.floor((days / historyDays) * 10)
    if (tenth <= told) return
    told = tenth
    log.info({ days, historyDays }, `history: ${days} of ${daysText(historyDays)} built (${Math.round((days / historyDays) * 100)}%)`)
  }
}

/** A journal to write to and, after a restart, what it says the world was. */
export interface Persistence {
  journal: JournalSink & { close(): void }
  /** The journal's world, when this start replays it; otherwise the world is new and recorded. */
  replay?: Replay
  configHash: string
}

export class SimulationHost implements ControllerHost {
  sim: Simulation
  readonly scenarios: ScenarioController
  private clock: VirtualClock | undefined
  private rebuilding = false
  /** A `{ live: true }` is simulating forward: the tick waits, other clock changes are refused. */
  private catchingUp = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private readonly realNow: () => number
  private readonly wallNow: () => number
  private lastCheckpoint = { real: Number.NEGATIVE_INFINITY, at: Number.NaN }
  /** The last journal write failed: health says so until one succeeds. */
  private journalDown = false
  ready = false

  constructor(
    world: WorldConfig,
    private readonly options: HostOptions,
    private readonly log: FastifyBaseLogger,
    private readonly persistence?: Persistence,
    /** Where a journal that cannot be written is reported (GET /api/health). */
    private readonly health?: HealthState,
  ) {
    this.realNow = options.realNow ?? (() => performance.now())
    this.wallNow = options.wallNow ?? Date.now
    const replay = persistence?.replay
    if (!replay) {
      this.sim = new Simulation(world, options)
      this.scenarios = new ScenarioController(world, this)
      return
    }
    // The same world from its origin with the journal's runs, emitting from where it had got
    // to, numbered on from there: what it showed before the restart, it shows again.
    const runs = scenarioRunsOf(replay.runs, world)
    this.sim = new Simulation(world, options, runs, {
      emitFrom: replay.emitFrom.at,
      seq: replay.emitFrom.seq,
      baseline: new Map(Object.entries(replay.world.baseline)),
      lastModifiedMs: replay.lastModifiedMs,
    })
    this.scenarios = new ScenarioController(world, this, { runs, nextId: replay.nextId })
    if (replay.speed !== undefined) options.speed = replay.speed
  }

  /** Under load, the shell's governor shrinks the tick's budget (load/governor.ts). */
  governor: Governor | undefined
  private readonly meter = new SpeedMeter()

  /** Whether the world advances by its own timer (a server) or only when told to (tests). */
  get ticks(): boolean {
    return this.options.tickMs > 0
  }

  private budgetMs(): number {
    return this.governor?.budgetMs ?? TICK_BUDGET_MS
  }

  /** Simulated per real time over the last seconds, when measured (ticks record it). */
  effectiveSpeed(): number | undefined {
    return this.meter.speed()
  }

  /** The world without any scenario, built on first request while scenarios have changed it. */
  private counterfactual: { sim: Simulation; building?: Promise<void> } | undefined

  /**
   * The same world without any scenario, advanced to now: what a server never given a control
   * would show. While no scenario was ever applied (or after a reset) it is the world itself;
   * otherwise it is built once (in slices, like a rebuild) and then only advanced.
   */
  async baselineWorld(): Promise<Simulation> {
    if (this.scenarios.runs.length === 0) {
      this.counterfactual = undefined // let its memory go
      return this.sim
    }
    if (!this.counterfactual) {
      // Only its buckets are read: everything up to now is history (counted, no payloads), and
      // what it simulates later is numbered but never built or buffered.
      const sim = new Simulation(this.sim.world, this.sim.options, [], {
        emitFrom: this.sim.now,
        seq: 0,
        baseline: this.sim.baseline,
        lastModifiedMs: this.sim.lastModifiedMs,
      })
      sim.showFrom = Number.POSITIVE_INFINITY
      this.counterfactual = { sim, building: buildInSlices(sim) }
    }
    const c = this.counterfactual
    await c.building
    c.building = undefined
    if (c.sim.now < this.sim.now) c.sim.advanceTo(this.sim.now)
    return c.sim
  }

  /** The tail of the control queue: every control runs after the one before it has finished. */
  private controls: Promise<unknown> = Promise.resolve()

  /**
   * Run a control action (activate, stop, reset, clock) once every earlier one has finished,
   * its rebuild included: each is decided against the world that will stand, so two racing
   * presses give one change and one clear refusal, never two changes applied to different worlds.
   */
  control<T>(action: () => T | Promise<T>): Promise<T> {
    const run = this.controls.then(action)
    this.controls = run.catch(() => undefined)
    // A scenario change asks for new ground-truth passes: start them before anyone asks.
    run.then(() => this.warmTruth(), () => undefined)
    return run
  }

  /**
   * Compute the ground truth's bent expectation passes in the background, six simulated hours
   * per turn of the event loop, so the first request does not compute seconds of them on its
   * thread. Only where the clock runs by itself (a test's world is driven by the test).
   */
  private warmTruth(): void {
    if (this.options.tickMs <= 0 || this.stopped || !this.ready) return
    const sim = this.sim
    expectedWorlds(sim)
      .warm(sim.now, () => new Promise((r) => setImmediate(r)), () => this.stopped || this.sim !== sim)
      .catch((err: unknown) => this.log.warn({ err }, 'ground truth: computing its passes ahead failed'))
  }

  /**
   * Journal a control action at the world's current instant, flushed to disk. Called before
   * the action is applied: when the journal cannot be written it throws JOURNAL_UNAVAILABLE
   * (503) and the caller applies nothing, so no answer promises what a restart would forget.
   */
  record(action: Action): void {
    try {
      this.write({ ...action, at: this.sim.now, seq: this.sim.lastSeq } as ActionRecord, true)
    } catch (err) {
      throw Errors.journalUnavailable('The control journal cannot be written, so nothing was changed', (err as Error).message)
    }
  }

  /**
   * Append to the journal. A failure marks the server degraded (logged once, shown by
   * /api/health) and is rethrown; the first write that works again clears it. Every control
   * and every checkpoint tries again.
   */
  private write(r: JournalRecord, durable: boolean): void {
    if (!this.persistence) return
    try {
      this.persistence.journal.append(r, durable)
    } catch (err) {
      const why = (err as Error).message
      if (!this.journalDown) this.log.error({ err }, `journal: cannot be written (${why}); controls answer 503 JOURNAL_UNAVAILABLE and change nothing until it can`)
      this.journalDown = true
      this.health?.degrade('JOURNAL_UNAVAILABLE', `The control journal cannot be written (${why}): controls are refused until it can; the world runs on`)
      throw err
    }
    if (!this.journalDown) return
    this.journalDown = false
    this.health?.recover('JOURNAL_UNAVAILABLE')
    this.log.warn('journal: writable again; controls are accepted')
  }

  /** `paced`: at most one a second of real time (a catch-up writes one per slice instead). */
  private checkpoint(durable: boolean, paced = true): void {
    const real = this.realNow()
    // A paused world writes nothing; a running one once a second.
    if (!this.persistence || this.sim.now === this.lastCheckpoint.at) return
    if (paced && !durable && real - this.lastCheckpoint.real < CHECKPOINT_MS) return
    try {
      this.write({ type: 'checkpoint', at: this.sim.now, seq: this.sim.lastSeq }, durable)
      this.lastCheckpoint = { real, at: this.sim.now }
    } catch {
      // Reported by write(); tried again in a second (a lost checkpoint only means re-emitting more).
      this.lastCheckpoint = { real, at: Number.NaN }
    }
  }

  /**
   * Rebuild the world with another set of scenario runs and swap it in: the clock holds while
   * the past is re-simulated (in slices, so requests keep being answered), then catches up.
   * The action that asked for it is journalled first, where the new world takes over (a
   * journal that refuses it leaves the world as it was).
   */
  async rebuild(runs: ScenarioRun[], action: Action): Promise<void> {
    if (this.rebuilding || this.catchingUp) throw Errors.scenarioAlreadyActive('another change is being applied')
    this.record(action)
    this.rebuilding = true
    try {
      this.tick()
      const next = new Simulation(this.sim.world, this.sim.options, runs, this.sim.continuation())
      await buildInSlices(next)
      this.sim = next
      // Without runs the world is its own baseline: a counterfactual kept from before would be a second world in memory.
      if (runs.length === 0) this.counterfactual = undefined
      this.log.info({ runs: runs.map((r) => r.def.id), buildMs: Math.round(next.buildMs) }, 'world rebuilt')
    } finally {
      this.rebuilding = false
    }
  }

  async start(): Promise<void> {
    const { historyDays } = this.options
    this.log.info({ historyDays }, `history: building ${daysText(historyDays)} (GET /api/health answers 503 NOT_READY until the server is ready)`)
    const pre = await this.options.expectation
    this.options.expectation = undefined // the world owns its arrays now; let them go when they grow
    if (pre) {
      const engine = this.sim.engine
      this.log.debug({ taken: engine.expectation.restore(pre, engine.expectationKey()) }, 'expectation from the worker thread')
    }
    // Build in slices, yielding between them, so a listening server keeps answering (503).
    await buildInSlices(this.sim, historyProgress(this.log, this.sim.historyStartMs, historyDays))
    // After a restart the world first re-emits up to where it had got, refilling the recent events.
    const resumeAt = Math.max(this.sim.now, this.persistence?.replay?.resumeAt ?? Number.NEGATIVE_INFINITY)
    const { clock, anchored } = this.restartClock(resumeAt, this.wallNow())
    this.clock = clock
    if (this.persistence && !this.persistence.replay) this.persistence.journal.append(this.worldRecord(), true)
    let capped = false
    const catchUpStart = this.realNow()
    if (this.options.live) {
      // Then it simulates the downtime (or, new, from the live start to now).
      const limit = resumeAt + MAX_CATCHUP_MS
      await this.catchUp(resumeAt, limit)
      if (this.stopped) return
      capped = this.capped(limit)
    } else this.sim.advanceTo(resumeAt)
    // A new anchor is journalled, so the next restart computes the same clock from it.
    if (this.options.live && (anchored || capped)) this.anchor(this.wallNow(), this.clock.speed)
    this.ready = true
    this.log.info(
      {
        buildMs: Math.round(this.sim.buildMs),
        seed: this.options.seed,
        start: formatIso(this.options.startMs),
        now: formatIso(this.sim.now),
        offsetMs: this.clockState().offsetMs,
        simulatedDowntimeMs: this.sim.now - resumeAt,
        catchUpMs: Math.round(this.realNow() - catchUpStart),
        events: this.sim.engine.processed,
      },
      'simulation ready: history built, the live clock runs',
    )
    if (this.options.tickMs > 0) {
      this.timer = setInterval(guarded(this.log, 'simulation tick', () => this.tick()), this.options.tickMs)
      this.timer.unref()
    }
    this.warmTruth()
  }

  /**
   * The clock at start. A fixed world resumes where it stood (the downtime does not happen). A
   * live one reads its journalled anchor, so the clock is where it would have been without the
   * restart; a new one, or a journal from before anchors were written, starts at now (at 1×)
   * or, at another speed, where it stood, and gets an anchor.
   */
  private restartClock(resumeAt: number, wall: number): { clock: VirtualClock; anchored: boolean } {
    const speed = this.options.speed
    if (!this.options.live) return { clock: new VirtualClock(resumeAt, wall, speed), anchored: false }
    const replay = this.persistence?.replay
    const last = replay?.clock
    if (last?.wall !== undefined) return { clock: new VirtualClock(last.at, last.wall, last.speed), anchored: false }
    // Never behind the world: a journal whose world is ahead of the wall clock keeps its lead, shown.
    const at = Math.max(resumeAt, !replay || speed === 1 ? wall : resumeAt)
    return { clock: new VirtualClock(at, wall, speed), anchored: true }
  }

  /**
   * Simulate toward the clock, at most to `limit`, in slices that yield to the event loop (a
   * listening server keeps answering). Each round chases the clock's new reading and takes less
   * time than the one before; the tick follows the last milliseconds. No control action can
   * happen meanwhile (before ready they answer 503, during `{ live: true }` 409). Events before
   * the last ten simulated minutes are numbered but not built, as an export skips them: the
   * recent events and the WebSocket catch-up reach back as far as after any restart.
   */
  private async catchUp(from: number, limit: number): Promise<void> {
    // At least to `from` (where the world had got before a restart), at most to `limit`.
    const target = () => Math.max(from, Math.min(limit, this.clock!.now(this.wallNow())))
    const first = target()
    if (first - REFILL_MS > from) this.sim.showFrom = first - REFILL_MS
    try {
      for (;;) {
        const round = this.realNow()
        const to = target()
        let slice = round
        while (this.sim.now < to && !this.stopped) {
          this.sim.advanceTo(Math.min(to, this.sim.now + CATCHUP_SLICE_MS))
          // One per slice: a restart after this one re-emits from near its end, not from before the catch-up.
          this.checkpoint(false, false)
          if (this.realNow() - slice > TICK_BUDGET_MS) {
            await new Promise((r) => setImmediate(r))
            slice = this.realNow()
          }
        }
        if (this.stopped || to >= limit || this.realNow() - round < CATCHUP_SETTLED_MS) break
      }
    } finally {
      this.sim.showFrom = Number.NEGATIVE_INFINITY
    }
  }

  /**
   * After a catch-up that hit its limit: the clock is re-anchored where the world got (its
   * offset then shows how far behind it is) and the skipped time is logged.
   */
  private capped(limit: number): boolean {
    const wall = this.wallNow()
    const short = this.clock!.now(wall) - this.sim.now
    if (this.sim.now < limit || short <= 0) return false
    this.clock = new VirtualClock(this.sim.now, wall, this.clock!.speed)
    this.log.warn(
      { simulatedMs: MAX_CATCHUP_MS, leftMs: Math.round(short), now: formatIso(this.sim.now) },
      'clock: the catch-up is capped at a simulated day; the clock is re-anchored where the world got to (offsetMs shows how far that is from the wall clock; behind it, POST /api/simulation/clock {"live":true} simulates another day forward)',
    )
    return true
  }

  /** Bring the world onto the clock at `wall`, journal the anchor, then set the speed from there. */
  private anchor(wall: number, speed: number): void {
    this.meter.reset() // a new pace: the old one says nothing about it
    // Within the tick's budget; what the world could not catch up, the clock waits for.
    this.tick(wall)
    this.record({ type: 'speed', speed, wall })
    this.clock!.rebase(wall, this.sim.now)
    this.clock!.setSpeed(wall, speed)
    this.options.speed = speed
  }

  private worldRecord(): WorldRecord {
    const { seed, startMs, historyDays, live = false } = this.options
    return { type: 'world', seed, startMs, historyDays, configHash: this.persistence!.configHash, baseline: Object.fromEntries(this.sim.baseline), live }
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    // A clean shutdown leaves an exact checkpoint: nothing is re-emitted after the restart.
    if (this.ready) this.checkpoint(true)
    this.persistence?.journal.close()
  }

  /** Advance the world toward the clock (as it reads at `wall`), within the tick's time budget. */
  tick(wall = this.wallNow()): void {
    if (!this.clock || this.rebuilding || this.catchingUp) return
    const realStart = this.realNow()
    const target = this.clock.now(wall)
    while (this.sim.now < target) {
      this.sim.advanceTo(Math.min(target, this.sim.now + SLICE_MS))
      if (this.realNow() - realStart > this.budgetMs()) break
    }
    this.meter.record(this.realNow(), this.sim.now)
    // Only a sped-up clock waits for the world (at 1× and below it always keeps up, so a stalled
    // event loop is caught up, not turned into an offset). Not journalled: a restart recomputes
    // the clock from its last anchor and simulates the difference forward.
    const lagMs = target - this.sim.now
    const speed = this.clock.speed
    if (speed > 1 && lagMs > MAX_LAG_REAL_MS * speed) this.clock.rebase(this.wallNow(), this.sim.now)
    this.checkpoint(false)
  }

  /** Simulated time the world has reached, and the clock's offset from the wall clock. */
  clockState(): ClockState {
    const speed = this.clock?.speed ?? this.options.speed
    const wall = this.wallNow()
    // The clock's reading, or the world's where it is ahead (it never goes back).
    const offsetMs = this.clock ? Math.round(Math.max(this.sim.now, this.clock.now(wall)) - wall) : 0
    // Milliseconds: a client mapping simulated to real time (a latency probe) needs them.
    const state: ClockState = {
      currentSimulationTime: new Date(this.sim.now).toISOString(),
      speed,
      paused: speed === 0,
      seed: this.options.seed,
      liveStartTime: formatIso(this.options.startMs),
      historyStartTime: formatIso(this.sim.historyStartMs),
      offsetMs,
      live: this.options.live === true,
    }
    // How the world really keeps up: only where the tick runs by itself (a test's clock is its own).
    if (this.timer) {
      state.lagMs = Math.round(this.lagMs())
      const effective = this.meter.speed()
      if (effective !== undefined) state.effectiveSpeed = Math.round(effective * 10) / 10
    }
    return state
  }

  setSpeed(speed: number): ClockState {
    if (this.catchingUp) throw Errors.clockConflict('The clock is catching up to the wall clock', 'a { "live": true } is simulating forward; try again in a few seconds')
    if (this.clock) {
      // Catch the world up to the clock first, so a pause freezes exactly what was shown.
      this.anchor(this.wallNow(), speed)
    } else {
      this.record({ type: 'speed', speed })
      this.options.speed = speed
    }
    return this.clockState()
  }

  /**
   * Back to the wall clock at 1×, simulating forward to it (at most a day per call; a clock
   * further behind keeps the rest as its offset). Never backward: a clock ahead of the wall
   * clock, or a world with a fixed SIM_START, is refused.
   */
  async goLive(): Promise<ClockState> {
    if (!this.options.live)
      throw Errors.clockConflict('This world has a fixed SIM_START: its clock does not follow the wall clock', 'restart without SIM_START for a live clock')
    if (this.rebuilding || this.catchingUp || !this.clock)
      throw Errors.clockConflict('Another change is being applied', 'a rebuild or a catch-up is under way; try again in a few seconds')
    const wall = this.wallNow()
    this.tick(wall)
    const ahead = Math.round(Math.max(this.sim.now, this.clock.now(wall)) - wall)
    if (ahead > 0)
      throw Errors.clockConflict(
        `The clock is ${ahead} ms ahead of the wall clock and never goes backward`,
        `offsetMs ${ahead}: set speed 1 to run on ahead, or speed 0 until the wall clock has caught up, then live`,
      )
    this.catchingUp = true
    const limit = this.sim.now + MAX_CATCHUP_MS
    const before = this.clock
    try {
      this.clock = new VirtualClock(wall, wall, 1)
      await this.catchUp(this.sim.now, limit)
    } finally {
      this.catchingUp = false
    }
    if (this.stopped) throw Errors.notReady('The server is shutting down')
    this.capped(limit)
    try {
      this.anchor(this.wallNow(), 1)
    } catch (err) {
      // Not journalled, so not live: the clock runs on as before from where the world got.
      before.rebase(this.wallNow(), this.sim.now)
      this.clock = before
      throw err
    }
    return this.clockState()
  }

  /** Simulated lag of the world behind its clock (ms). */
  lagMs(): number {
    return this.clock ? Math.max(0, this.clock.now(this.wallNow()) - this.sim.now) : 0
  }
}
