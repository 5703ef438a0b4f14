import { signal } from '@preact/signals'
import { createApi, explain, type Transport } from '../api.js'
import { createAuth, type TokenStore } from './auth.js'
import { createChart } from './chart.js'
import { createClock } from './clock.js'
import { createFeed } from './feed.js'
import { createHeatmap } from './heatmap.js'
import { createLive, type LiveOptions } from './live.js'
import { createScenarios } from './scenarios.js'
import { createTimeline } from './timeline.js'
import { createTruth } from './truth.js'

export interface ConsoleEnv extends Omit<LiveOptions, 'url'> {
  transport: Transport
  wsUrl: string
  realTime: () => number
  setRepeat: (fn: () => void, ms: number) => unknown
  clearRepeat: (t: unknown) => void
  /** Where the admin token is kept for the session (sessionStorage in the browser). */
  tokenStore?: TokenStore
}

/**
 * The whole console as signals, wired to the REST and WebSocket API; components only read
 * them and call actions. Built from injected transport and timers, so it runs in a test.
 */
export function createConsole(env: ConsoleEnv) {
  const auth = createAuth(env.tokenStore)
  const api = createApi(env.transport, () => auth.token.value)
  const clock = createClock()
  const scenarios = createScenarios(api, clock, env.realTime, () => worldChanged(), auth)
  const heatmap = createHeatmap()
  const feed = createFeed(env.realTime)
  const timeline = createTimeline()
  const truth = createTruth(api)
  const chart = createChart(api)
  /** Why the console cannot show the world (first load failed), in words. */
  const loadError = signal<string | undefined>(undefined)
  /**
   * The link is open and the server's world is live (a pulse came): only then is REST asked,
   * so a server still building its history after a restart is not asked for it.
   */
  let synced = false
  let loaded = false
  let reloadOnSync = false

  /** The server's own time: the last pulse's, else the last clock reading. */
  const serverNow = () => (heatmap.pulseTime.value ? Date.parse(heatmap.pulseTime.value) : clock.anchor.value.simMs)
  const historyStart = () => Date.parse(clock.info.value?.historyStartTime ?? '') || serverNow() - 86_400_000

  async function loadTimeline() {
    const now = serverNow()
    const start = Math.max(historyStart(), now - 7 * 86_400_000)
    const first = heatmap.streams.value[0]?.name
    if (!first || !(now > start)) return
    const r = await api.history({ start: new Date(start).toISOString(), end: new Date(now).toISOString(), streams: first, interval: '1d' })
    timeline.replace([...r.events, ...(scenarios.state.value?.activeEvents ?? [])])
  }

  /** Everything read over REST: on start and after every reconnection (the server may be new). */
  async function reload() {
    try {
      heatmap.streams.value = (await api.streams()).streams
      await scenarios.load()
      await loadTimeline()
      loadError.value = undefined
      loaded = true
      refreshViews()
    } catch (e) {
      loadError.value = explain(e)
    }
  }

  function worldChanged() {
    void loadTimeline().catch(() => {})
    refreshViews()
  }

  function refreshViews() {
    if (!synced || live.status.value !== 'open') return
    void truth.load(scenarios.running.value?.modifier, serverNow())
    void chart.load(serverNow(), historyStart())
  }

  const live = createLive(
    { ...env, url: env.wsUrl },
    {
      events: (events) => feed.push(events),
      pulse(time, speed, streams, pace) {
        heatmap.update(time, streams)
        clock.syncTime(time, speed, env.realTime())
        clock.pace.value = pace ?? {}
        if (synced) return
        synced = true
        if (reloadOnSync || !loaded) void reload()
        else refreshViews()
      },
      state(s) {
        const before = JSON.stringify(scenarios.state.value?.activeModifiers.map((m) => m.id))
        scenarios.setState(s)
        // Another console (or the scenario's own end) changed the world.
        if (JSON.stringify(s.activeModifiers.map((m) => m.id)) !== before) worldChanged()
      },
      external: (e) => timeline.add(e),
      opened: (reconnected) => {
        synced = false
        reloadOnSync = reconnected
      },
    },
  )

  const timers: unknown[] = []
  return {
    api,
    auth,
    clock,
    scenarios,
    heatmap,
    feed,
    timeline,
    truth,
    chart,
    live,
    loadError,
    reload,
    refreshViews,
    async start() {
      timers.push(env.setRepeat(() => (clock.realNow.value = env.realTime()), 250))
      // The chart and the ground truth follow the simulated time every couple of seconds.
      timers.push(env.setRepeat(refreshViews, 2000))
      live.start()
      // Straight away for a quick first paint; if the server is not ready, the first pulse retries.
      await reload()
    },
    stop() {
      for (const t of timers) env.clearRepeat(t)
      live.stop()
    },
  }
}
export type Console = ReturnType<typeof createConsole>
