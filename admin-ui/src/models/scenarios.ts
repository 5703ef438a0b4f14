import { computed, signal } from '@preact/signals'
import type { ScenarioModifier, ScenarioSummary, SimulationState } from '@marketsim/shared-types'
import { explain, type Api } from '../api.js'
import type { Auth } from './auth.js'
import type { Clock } from './clock.js'
import { parseDuration } from './format.js'

export type Phase = 'active' | 'settling' | 'settled'

/** The running scenario as the console shows it: phase, progress through it, time left. */
export interface Running {
  modifier: ScenarioModifier
  name: string
  phase: Phase
  /** 0..1 through the current phase. */
  progress: number
  /** Simulated ms until the phase ends; undefined when it has no set end. */
  leftMs: number | undefined
}

export function runningOf(m: ScenarioModifier, name: string, now: number): Running {
  const phase: Phase = m.lifecycleState ?? m.status
  const start = Date.parse(m.startTime)
  if (phase === 'active') {
    const d = parseDuration(m.duration)
    if (!d) return { modifier: m, name, phase, progress: 0, leftMs: undefined }
    const p = Math.min(1, Math.max(0, (now - start) / d))
    return { modifier: m, name, phase, progress: p, leftMs: Math.max(0, start + d - now) }
  }
  if (phase === 'settling') {
    const from = m.settlementStartTime ? Date.parse(m.settlementStartTime) : Number.NaN
    const d = parseDuration(m.settlementDuration)
    if (Number.isNaN(from) || !d) return { modifier: m, name, phase, progress: m.settlementProgress ?? 0, leftMs: undefined }
    const p = Math.min(1, Math.max(0, (now - from) / d))
    return { modifier: m, name, phase, progress: p, leftMs: Math.max(0, from + d - now) }
  }
  return { modifier: m, name, phase, progress: 1, leftMs: 0 }
}

/**
 * The simulation's state and its controls. Every action reports what went wrong in words,
 * and the state shown is always the server's (the answer to an action, or a later push).
 */
export function createScenarios(
  api: Api,
  clock: Clock,
  realTime: () => number = () => Date.now(),
  /** After a successful action: what depends on the world (timeline, truth, chart) reloads. */
  changed: () => void = () => {},
  /** A protected server's token: asked for on a 401, then the action is retried. */
  auth?: Auth,
) {
  const catalog = signal<ScenarioSummary[]>([])
  const state = signal<SimulationState | undefined>(undefined)
  /** The action in flight ("activate:<id>", "stop", "reset", "speed"): its buttons wait. */
  const busy = signal<string | undefined>(undefined)
  const error = signal<string | undefined>(undefined)
  const notice = signal<string | undefined>(undefined)

  /**
   * The last scenario seen running. The server stops listing a scenario once it has settled;
   * the console keeps showing it as settled while the past it changed stands (until a reset).
   */
  const lastSeen = signal<ScenarioModifier | undefined>(undefined)

  const running = computed<Running | undefined>(() => {
    const s = state.value
    const live = s?.activeModifiers[0]
    const m = live ?? (s?.historicalMode === 'modified' ? lastSeen.value : undefined)
    if (!m) return undefined
    const name = catalog.value.find((x) => x.id === m.type)?.name ?? m.type
    return live ? runningOf(m, name, clock.simNow.value) : { modifier: m, name, phase: 'settled', progress: 1, leftMs: 0 }
  })

  function setState(s: SimulationState) {
    state.value = s
    if (s.activeModifiers[0]) lastSeen.value = s.activeModifiers[0]
    else if (s.historicalMode === 'baseline') lastSeen.value = undefined
  }

  async function act<T>(what: string, call: () => Promise<T>, done?: (r: T) => string | undefined): Promise<boolean> {
    if (busy.value) return false
    busy.value = what
    error.value = undefined
    try {
      const r = await (auth ? auth.withToken(call) : call())
      notice.value = done?.(r)
      await refresh()
      changed()
      return true
    } catch (e) {
      error.value = explain(e)
      return false
    } finally {
      busy.value = undefined
    }
  }

  async function refresh(): Promise<void> {
    const [s, c] = await Promise.all([api.state(), api.clock()])
    setState(s)
    clock.sync(c, realTime())
  }

  return {
    catalog,
    state,
    busy,
    error,
    notice,
    running,
    setState,
    refresh,
    async load() {
      catalog.value = (await api.scenarios()).scenarios
      await refresh()
    },
    /** Activate now, or as if it had started `daysAgo` simulated days ago (the past is rebuilt). */
    activate(id: string, daysAgo = 0) {
      const start = daysAgo > 0 ? new Date(clock.simNow.value - daysAgo * 86_400_000).toISOString() : undefined
      return act(
        `activate:${id}`,
        () => api.activate(id, start),
        (r) => {
          // Backdated far enough, it has already settled: the state will not list it.
          lastSeen.value = r.scenario
          return `${r.scenario.description} ${daysAgo > 0 ? `was activated ${daysAgo} day${daysAgo > 1 ? 's' : ''} ago` : 'is active'}.`
        },
      )
    },
    stop: () => act('stop', () => api.stop(), (r) => `Stopped: settling until ${r.settlingUntil.replace('T', ' ').slice(0, 16)}.`),
    reset: () => act('reset', () => api.reset(), (r) => r.message),
    setSpeed: (speed: number) =>
      act('speed', async () => clock.sync(await api.setSpeed(speed), realTime())),
    dismiss() {
      error.value = undefined
      notice.value = undefined
    },
  }
}
export type Scenarios = ReturnType<typeof createScenarios>
