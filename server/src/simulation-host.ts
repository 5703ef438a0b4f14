/**
 * The live shell around the pure simulation: it owns the virtual clock's real-time anchor and
 * the tick that advances the world, bounded per tick so the event loop stays responsive. When
 * the world cannot keep up with the requested speed it falls behind and the clock waits for it.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { ClockState } from '@marketsim/shared-types'
import type { WorldConfig } from './config/load.js'
import { VirtualClock } from './sim/clock.js'
import type { ExpectationState } from './sim/expectation.js'
import { formatIso } from './sim/payload.js'
import { Simulation } from './sim/simulation.js'
import { Errors } from './errors.js'
import { ScenarioController, type ControllerHost } from './scenarios/controller.js'
import type { ScenarioRun } from './scenarios/lifecycle.js'
import type { JournalSink } from './journal/journal.js'
import type { Action, ActionRecord, WorldRecord } from './journal/records.js'
import { scenarioRunsOf, type Replay } from './journal/replay.js'

export interface HostOptions {
  seed: number
  /** Simulated time of the live start (history ends here). */
  startMs: number
  historyDays: number
  /** Initial clock speed (simulated seconds per real second). */
  speed: number
  /** Real milliseconds between ticks; 0 disables the tick (tests drive the clock themselves). */
  tickMs: number
  /** Monotonic real-time source (ms). */
  realNow?: () => number
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
  private timer: NodeJS.Timeout | undefined
  private readonly realNow: () => number
  private lastCheckpoint = { real: Number.NEGATIVE_INFINITY, at: Number.NaN }
  ready = false

  constructor(
    world: WorldConfig,
    private readonly options: HostOptions,
    private readonly log: FastifyBaseLogger,
    private readonly persistence?: Persistence,
  ) {
    this.realNow = options.realNow ?? (() => performance.now())
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

  /** Journal a control action at the world's current instant (flushed to disk before answering). */
  record(action: Action): void {
    this.persistence?.journal.append({ ...action, at: this.sim.now, seq: this.sim.lastSeq } as ActionRecord, true)
  }

  private checkpoint(durable: boolean): void {
    const real = this.realNow()
    // A paused world writes nothing; a running one once a second.
    if (!this.persistence || this.sim.now === this.lastCheckpoint.at) return
    if (!durable && real - this.lastCheckpoint.real < CHECKPOINT_MS) return
    this.persistence.journal.append({ type: 'checkpoint', at: this.sim.now, seq: this.sim.lastSeq }, durable)
    this.lastCheckpoint = { real, at: this.sim.now }
  }

  /**
   * Rebuild the world with another set of scenario runs and swap it in: the clock holds while
   * the past is re-simulated (in slices, so requests keep being answered), then catches up.
   */
  async rebuild(runs: ScenarioRun[]): Promise<void> {
    if (this.rebuilding) throw Errors.scenarioAlreadyActive('another change is being applied')
    this.rebuilding = true
    try {
      this.tick()
      const next = new Simulation(this.sim.world, this.sim.options, runs, this.sim.continuation())
      for (const _ of next.buildSteps()) await new Promise((r) => setImmediate(r))
      this.sim = next
      this.log.info({ runs: runs.map((r) => r.def.id), buildMs: Math.round(next.buildMs) }, 'world rebuilt')
    } finally {
      this.rebuilding = false
    }
  }

  async start(): Promise<void> {
    const pre = await this.options.expectation
    this.options.expectation = undefined // the world owns its arrays now; let them go when they grow
    if (pre) {
      const engine = this.sim.engine
      this.log.debug({ taken: engine.expectation.restore(pre, engine.expectationKey()) }, 'expectation from the worker thread')
    }
    // Build in slices, yielding between them, so a listening server keeps answering (503).
    for (const _ of this.sim.buildSteps()) await new Promise((r) => setImmediate(r))
    // After a restart: re-emit up to where the world had got, refilling the recent events.
    const resumeAt = this.persistence?.replay?.resumeAt
    if (resumeAt !== undefined && resumeAt > this.sim.now) this.sim.advanceTo(resumeAt)
    // From where the world stands: the live start, or after a restart where it had got to.
    this.clock = new VirtualClock(this.sim.now, this.realNow(), this.options.speed)
    if (this.persistence && !this.persistence.replay) this.persistence.journal.append(this.worldRecord(), true)
    this.ready = true
    this.log.info(
      { buildMs: Math.round(this.sim.buildMs), seed: this.options.seed, start: formatIso(this.options.startMs), events: this.sim.engine.processed },
      'simulation ready',
    )
    if (this.options.tickMs > 0) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs)
      this.timer.unref()
    }
  }

  private worldRecord(): WorldRecord {
    const { seed, startMs, historyDays } = this.options
    return { type: 'world', seed, startMs, historyDays, configHash: this.persistence!.configHash, baseline: Object.fromEntries(this.sim.baseline) }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    // A clean shutdown leaves an exact checkpoint: nothing is re-emitted after the restart.
    if (this.ready) this.checkpoint(true)
    this.persistence?.journal.close()
  }

  /** Advance the world toward the clock, within the tick's time budget. */
  tick(): void {
    if (!this.clock || this.rebuilding) return
    const realStart = this.realNow()
    const target = this.clock.now(realStart)
    while (this.sim.now < target) {
      this.sim.advanceTo(Math.min(target, this.sim.now + SLICE_MS))
      if (this.realNow() - realStart > TICK_BUDGET_MS) break
    }
    const lagMs = target - this.sim.now
    if (lagMs > MAX_LAG_REAL_MS * Math.max(1, this.clock.speed)) this.clock.rebase(this.realNow(), this.sim.now)
    this.checkpoint(false)
  }

  /** Simulated time the clock points at (the world may be a slice behind). */
  clockState(): ClockState {
    const speed = this.clock?.speed ?? this.options.speed
    // Milliseconds: a client mapping simulated to real time (a latency probe) needs them.
    return {
      currentSimulationTime: new Date(this.sim.now).toISOString(),
      speed,
      paused: speed === 0,
      seed: this.options.seed,
      liveStartTime: formatIso(this.options.startMs),
      historyStartTime: formatIso(this.sim.historyStartMs),
    }
  }

  setSpeed(speed: number): ClockState {
    if (this.clock) {
      // Catch the world up to the clock first, so a pause freezes exactly what was shown.
      this.tick()
      // One reading of real time for both, so a pause stops exactly where the world is.
      const real = this.realNow()
      this.clock.rebase(real, this.sim.now)
      this.clock.setSpeed(real, speed)
    }
    this.options.speed = speed
    this.record({ type: 'speed', speed })
    return this.clockState()
  }

  /** Simulated lag of the world behind its clock (ms). */
  lagMs(): number {
    return this.clock ? Math.max(0, this.clock.now(this.realNow()) - this.sim.now) : 0
  }
}
