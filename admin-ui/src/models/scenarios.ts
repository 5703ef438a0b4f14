import { batch, computed, signal } from '@preact/signals'
import type { ScenarioModifier, ScenarioSummary, SimulationState } from '@marketsim/shared-types'
import { durationMs } from '@marketsim/shared-types/durations'
import { explain, type Api } from '../api.js'
import type { Auth } from './auth.js'
import type { Clock } from './clock.js'

export type Phase = 'active' | 'settling' | 'settled'

/** The scenario the server accepts whatever runs: it is the reset. */
export const NORMAL_OPERATIONS = 'normal-operations'

/** What an action came to, said where the presenter looks: in a toast, and by the card pressed. */
export interface Outcome {
  kind: 'error' | 'ok'
  text: string
  /** The action it answers: "activate:<id>", "stop", "reset", "speed", "live". */
  action: string
  /** Whom it concerns, when that is a scenario: its name. */
  subject?: string
  /** A notice about the running scenario holds only while that scenario is in that phase. */
  about?: { id: string; phase: Phase }
}

/** The state a reset leads to: nothing running and the past the baseline again. */
const isBaseline = (s: SimulationState) => s.activeModifiers.length === 0 && s.historicalMode === 'baseline'

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
    const d = durationMs(m.duration)
    if (!d) return { modifier: m, name, phase, progress: 0, leftMs: undefined }
    const p = Math.min(1, Math.max(0, (now - start) / d))
    return { modifier: m, name, phase, progress: p, leftMs: Math.max(0, start + d - now) }
  }
  if (phase === 'settling') {
    const from = m.settlementStartTime ? Date.parse(m.settlementStartTime) : Number.NaN
    const d = durationMs(m.settlementDuration)
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
  /** The action in flight ("activate:<id>", "stop", "reset", "speed", "live"): its buttons wait. */
  const busy = signal<string | undefined>(undefined)
  const said = signal<Outcome | undefined>(undefined)
  /** Which action holds `busy` (a count), so a finished one never frees the next one's. */
  let owner = 0
  let actions = 0

  /**
   * The last scenario seen running. The server stops listing a scenario once it has settled;
   * the console keeps showing it as settled while the past it changed stands (until a reset).
   */
  const lastSeen = signal<ScenarioModifier | undefined>(undefined)

  const nameOf = (type: string) => catalog.value.find((x) => x.id === type)?.name ?? type

  const running = computed<Running | undefined>(() => {
    const s = state.value
    const live = s?.activeModifiers[0]
    const m = live ?? (s?.historicalMode === 'modified' ? lastSeen.value : undefined)
    if (!m) return undefined
    const name = nameOf(m.type)
    return live ? runningOf(m, name, clock.simNow.value) : { modifier: m, name, phase: 'settled', progress: 1, leftMs: 0 }
  })

  /** The outcome as shown: a notice about a scenario goes once that scenario has moved on. */
  const outcome = computed<Outcome | undefined>(() => {
    const o = said.value
    if (!o?.about) return o
    const r = running.value
    return r?.modifier.id === o.about.id && r.phase === o.about.phase ? o : undefined
  })
  const error = computed(() => (outcome.value?.kind === 'error' ? outcome.value.text : undefined))
  const notice = computed(() => (outcome.value?.kind === 'ok' ? outcome.value.text : undefined))

  /**
   * Why a scenario cannot be activated now, in words (the server would answer 409), or
   * undefined. Normal operations is the reset: the server takes it whatever runs.
   */
  function blockedFor(id: string): string | undefined {
    const r = running.value
    if (id === NORMAL_OPERATIONS || !r || r.phase === 'settled') return undefined
    const until = r.phase === 'active' ? 'stop it and let it settle, or reset' : 'wait until it has settled, or reset'
    if (r.modifier.type === id) return `${r.phase === 'active' ? 'Running' : 'Settling'} now: ${until}, to start it again.`
    return `${r.name} is ${r.phase === 'active' ? 'running' : 'still settling'}: ${until}, first.`
  }

  function setState(s: SimulationState) {
    // One change: the panel's "No scenario" and the freed buttons are drawn together.
    batch(() => {
      state.value = s
      if (s.activeModifiers[0]) lastSeen.value = s.activeModifiers[0]
      else if (s.historicalMode === 'baseline') lastSeen.value = undefined
      // The server has finished a reset once it shows the baseline (it pushes that as soon as the
      // world is rebuilt, often before the answer arrives): the buttons are free from then on.
      const b = busy.value
      if ((b === 'reset' || b === `activate:${NORMAL_OPERATIONS}`) && isBaseline(s)) {
        owner = 0
        busy.value = undefined
        said.value = { kind: 'ok', text: 'Reset: the marketplace runs on its baseline and the past is restored.', action: 'reset' }
      }
    })
  }

  async function act<T>(
    what: string,
    call: () => Promise<T>,
    done?: (r: T) => string | undefined,
    extra: Pick<Outcome, 'subject'> & { tied?: boolean } = {},
  ): Promise<boolean> {
    if (busy.value) return false
    const mine = ++actions
    owner = mine
    busy.value = what
    // Whatever was said about the previous action (a "settling until …") is old news now.
    said.value = undefined
    try {
      const r = await (auth ? auth.withToken(call) : call())
      const text = done?.(r)
      await refresh()
      if (owner === mine && text) {
        const r2 = running.value
        said.value = { kind: 'ok', text, action: what, subject: extra.subject, about: extra.tied && r2 ? { id: r2.modifier.id, phase: r2.phase } : undefined }
      }
      changed()
      return true
    } catch (e) {
      said.value = { kind: 'error', text: explain(e), action: what, subject: extra.subject }
      return false
    } finally {
      if (owner === mine) {
        owner = 0
        busy.value = undefined
      }
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
    outcome,
    error,
    notice,
    running,
    blockedFor,
    /** The refusal of this scenario's last activation, to show by its card. */
    refusalFor: (id: string) => {
      const o = outcome.value
      return o?.kind === 'error' && o.action === `activate:${id}` ? o.text : undefined
    },
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
        { subject: nameOf(id), tied: id !== NORMAL_OPERATIONS },
      )
    },
    stop: () =>
      act('stop', () => api.stop(), (r) => `Stopped: settling until ${r.settlingUntil.replace('T', ' ').slice(0, 16)}.`, { tied: true }),
    reset: () => act('reset', () => api.reset(), (r) => r.message),
    setSpeed: (speed: number) => act('speed', async () => clock.sync(await api.setSpeed(speed), realTime())),
    /** Back to the wall clock; a clock more than a simulated day behind takes more than one press. */
    goLive: () =>
      act(
        'live',
        async () => clock.sync(await api.goLive(), realTime()),
        () => (clock.gap.value?.canGoLive ? `Caught up a simulated day; still ${clock.gap.value.text}: press Go live again.` : undefined),
      ),
    dismiss() {
      said.value = undefined
    },
  }
}
export type Scenarios = ReturnType<typeof createScenarios>
