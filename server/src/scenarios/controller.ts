/**
 * The scenario controls a presenter presses: activate (now or backdated), stop, reset; and the
 * simulation state that reports them. One scenario may be active or settling at a time.
 *
 * A live activation joins the running world at the current simulated instant. A backdated one,
 * and a reset, rebuild the world from its origin with the new set of scenario runs: the past
 * before the change is identical (same seed, same draws), the past after it changes coherently,
 * and the live stream continues from the new past.
 */
import type { CascadeRule, ExternalEvent, ScenarioDefinition, ScenarioModifier, SimulationState } from '@marketsim/shared-types'
import { contractModifications } from './catalog.js'
import type { WorldConfig } from '../config/load.js'
import { Errors } from '../errors.js'
import type { Action } from '../journal/records.js'
import { formatIso } from '../sim/payload.js'
import type { Simulation } from '../sim/simulation.js'
import { activeEnd, newRun, phaseAt, settleEnd, type ScenarioRun } from './lifecycle.js'

export interface ControllerHost {
  /** The running simulation. */
  readonly sim: Simulation
  /** Journal `action`, then replace the running simulation by one rebuilt with these runs (awaits the rebuild). */
  rebuild(runs: ScenarioRun[], action: Action): Promise<void>
  /** Journal a control action before it is applied; throws (and nothing may be applied) when it cannot. */
  record(action: Action): void
}

export interface Activation {
  scenario: ScenarioModifier
  events: ExternalEvent[]
  estimatedDuration: string
}

const NORMAL_OPERATIONS = 'normal-operations'

export class ScenarioController {
  /** Scenario runs whose effects are in the world (until a reset). */
  runs: ScenarioRun[] = []
  private nextId = 1

  constructor(
    private readonly world: WorldConfig,
    private readonly host: ControllerHost,
    /** After a restart: the runs the journal replayed, and the next id. */
    restored?: { runs: ScenarioRun[]; nextId: number },
  ) {
    if (restored) {
      this.runs = restored.runs
      this.nextId = restored.nextId
    }
  }

  private definition(id: string): ScenarioDefinition {
    const def = this.world.scenarios.find((s) => s.id === id)
    if (!def) throw Errors.scenarioNotFound(id)
    return def
  }

  /** The run that is active or settling at t, if any. */
  current(t = this.host.sim.now): ScenarioRun | undefined {
    return this.runs.find((r) => {
      const s = phaseAt(r, t).status
      return s === 'active' || s === 'settling'
    })
  }

  async activate(scenarioId: string, startTime?: number): Promise<Activation | { reset: true }> {
    const def = this.definition(scenarioId)
    const now = this.host.sim.now
    // The time is checked first, so a refused request changes nothing, whatever the scenario.
    if (startTime !== undefined) {
      if (startTime > now) throw Errors.invalidTimeRange('startTime lies in the future', `now is ${formatIso(now)}`)
      if (startTime < this.host.sim.historyStartMs)
        throw Errors.invalidTimeRange('startTime lies before the simulated history', `history starts at ${formatIso(this.host.sim.historyStartMs)}`)
    }
    if (def.id === NORMAL_OPERATIONS) {
      // Normal operations is the reset button: accepted whatever is running.
      await this.reset()
      return { reset: true }
    }
    const running = this.current(now)
    if (running) throw Errors.scenarioAlreadyActive(running.def.id)
    if (startTime !== undefined) {
      // A run that would still be running now conflicts with nothing only if no other run overlaps it.
      const overlapping = this.runs.find((r) => settleEnd(r) > startTime)
      if (overlapping) throw Errors.scenarioAlreadyActive(overlapping.def.id)
    }
    const id = `mod_${String(this.nextId++).padStart(3, '0')}`
    const backdated = startTime !== undefined && startTime < now
    const run = newRun(id, def, backdated ? startTime : now, backdated ? startTime : now)
    // Journalled before it is applied: one the journal refuses changes nothing.
    const action = { type: 'activate', id, scenarioId: def.id, startMs: run.startMs, knownAt: run.knownAt } as const
    if (backdated) {
      await this.host.rebuild([...this.runs, run], action)
    } else {
      this.host.record(action)
      this.host.sim.addRun(run)
    }
    this.runs.push(run)
    this.host.sim.lastModifiedMs = this.host.sim.now
    const compiled = this.host.sim.effects.runs.find((c) => c.run.id === id)!
    return { scenario: this.modifier(run, this.host.sim.now), events: compiled.events, estimatedDuration: def.duration }
  }

  /** Active → settling now. Idempotent while settling. */
  stop(): { settlingUntil: number; run: ScenarioRun; state: 'settling' | 'settled' } {
    const now = this.host.sim.now
    const run = this.current(now)
    if (!run) throw Errors.noActiveScenario('No scenario is active or settling', 'nothing to stop')
    if (phaseAt(run, now).status === 'active') {
      this.host.record({ type: 'stop', id: run.id })
      run.stoppedAt = now
      this.host.sim.effects.stopped()
      this.host.sim.lastModifiedMs = now
    }
    const until = settleEnd(run)
    return { settlingUntil: until, run, state: until > now ? 'settling' : 'settled' }
  }

  /** Everything back to baseline at once, the past included. */
  async reset(): Promise<void> {
    if (this.runs.length > 0) {
      await this.host.rebuild([], { type: 'reset' })
      this.runs = []
    } else this.host.record({ type: 'reset' })
    this.host.sim.lastModifiedMs = this.host.sim.now
  }

  state(): SimulationState {
    const sim = this.host.sim
    const now = sim.now
    const current = this.current(now)
    return {
      baselineState: current ? 'custom' : 'normal',
      activeModifiers: current ? [this.modifier(current, now)] : [],
      activeEvents: current ? sim.effects.runs.find((c) => c.run === current)!.events.filter((e) => Date.parse(e.timestamp) <= now) : [],
      historicalMode: this.runs.length > 0 ? 'modified' : 'baseline',
      currentSimulationTime: formatIso(now),
      lastModified: formatIso(sim.lastModifiedMs),
    }
  }

  /** The contract's view of a run at time t. */
  modifier(run: ScenarioRun, t: number): ScenarioModifier {
    const def = run.def
    const phase = phaseAt(run, t)
    const status = phase.status === 'pending' ? 'active' : phase.status
    const affectedStreams = contractModifications(def, this.world)
    const cascadeEffects: CascadeRule[] = (def.cascadeEffects ?? []).flatMap((c) =>
      Object.entries(c.effect).map(([target, e]) => {
        const rule: CascadeRule = { sourceStream: c.trigger, targetStream: target, delay: e.delay, effect: { multiplier: e.multiplier } }
        if (e.condition) rule.condition = e.condition
        return rule
      }),
    )
    const m: ScenarioModifier = {
      id: run.id,
      type: def.id,
      description: def.name,
      startTime: formatIso(run.startMs),
      duration: def.duration,
      affectedStreams,
      cascadeEffects,
      relatedEvents: def.externalEvents.map((e) => e.id),
      status,
      settlementDuration: def.settlementDuration ?? def.duration,
      settlementType: run.settleType,
      lifecycleState: status,
    }
    if (status !== 'active') m.settlementStartTime = formatIso(activeEnd(run))
    if (status === 'settling') m.settlementProgress = Math.round((phase.progress ?? 0) * 1000) / 1000
    return m
  }
}
