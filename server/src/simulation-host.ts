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

export class SimulationHost implements ControllerHost {
  sim: Simulation
  readonly scenarios: ScenarioController
  private clock: VirtualClock | undefined
  private rebuilding = false
  private timer: NodeJS.Timeout | undefined
  private readonly realNow: () => number
  ready = false

  constructor(
    world: WorldConfig,
    private readonly options: HostOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.sim = new Simulation(world, options)
    this.realNow = options.realNow ?? (() => performance.now())
    this.scenarios = new ScenarioController(world, this)
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
    this.clock = new VirtualClock(this.options.startMs, this.realNow(), this.options.speed)
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

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
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
  }

  /** Simulated time the clock points at (the world may be a slice behind). */
  clockState(): ClockState {
    const speed = this.clock?.speed ?? this.options.speed
    // Milliseconds: a client mapping simulated to real time (a latency probe) needs them.
    return { currentSimulationTime: new Date(this.sim.now).toISOString(), speed, paused: speed === 0 }
  }

  setSpeed(speed: number): ClockState {
    if (this.clock) {
      // Catch the world up to the clock first, so a pause freezes exactly what was shown.
      this.tick()
      this.clock.rebase(this.realNow(), this.sim.now)
      this.clock.setSpeed(this.realNow(), speed)
    }
    this.options.speed = speed
    return this.clockState()
  }

  /** Simulated lag of the world behind its clock (ms). */
  lagMs(): number {
    return this.clock ? Math.max(0, this.clock.now(this.realNow()) - this.sim.now) : 0
  }
}
