import { signal } from '@preact/signals'
import type { Pace } from './clock.js'
import type { ExternalEvent, PulseStream, SimulationState, StreamEvent, WsServerMessage } from '@marketsim/shared-types'

/** The little of a WebSocket the console uses, so tests can hand in the `ws` package's. */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface LiveHandlers {
  events(events: StreamEvent[]): void
  pulse(time: string, speed: number, streams: Record<string, PulseStream>, pace?: Pace): void
  state(state: SimulationState): void
  external(event: ExternalEvent): void
  /** After every (re)connection: a reconnected console re-reads what it may have missed. */
  opened(reconnected: boolean): void
}

export interface LiveOptions {
  url: string
  connect: (url: string) => SocketLike
  setTimer: (fn: () => void, ms: number) => unknown
  clearTimer: (t: unknown) => void
  /** Silence longer than this (pulses come every second) means the link is dead. */
  silenceMs?: number
}

export type LinkStatus = 'connecting' | 'open' | 'reconnecting'

const OPEN = 1
/**
 * The feed starts on the session domain, not on `*`: everything runs at about 30 events/s at
 * 1× but 17,000/s at 600×, more than a page should parse only to show the last hundred.
 */
export const DEFAULT_FEED_TOPIC = 'session.*'
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000]

/**
 * One WebSocket for the whole console: it subscribes to `pulse`, `simulation` and the feed's
 * topic; when the link drops it reconnects by itself with backoff and resumes the feed from
 * the last event it had (catch-up), and says on screen what happened.
 */
export function createLive(opts: LiveOptions, on: LiveHandlers) {
  const status = signal<LinkStatus>('connecting')
  const attempt = signal(0)
  const retryInMs = signal<number | undefined>(undefined)
  /** Set for a while after a reconnection: what the catch-up brought back. */
  const resumed = signal<{ events: number; complete: boolean } | undefined>(undefined)
  const lastError = signal<string | undefined>(undefined)
  const feedTopic = signal(DEFAULT_FEED_TOPIC)

  let socket: SocketLike | undefined
  let lastSeq: number | undefined
  let everOpened = false
  let stopped = false
  let retry: unknown
  let watchdog: unknown
  let resumedTimer: unknown
  /** Events of the parts of a catch-up received so far. */
  let caughtUp = 0

  function showResumed(r: { events: number; complete: boolean }) {
    resumed.value = r
    if (resumedTimer !== undefined) opts.clearTimer(resumedTimer)
    resumedTimer = opts.setTimer(() => (resumed.value = undefined), 15_000)
  }

  const topics = () => ['pulse', 'simulation', feedTopic.value]

  function subscribe(resume: boolean) {
    const msg: Record<string, unknown> = { type: 'subscribe', topics: topics() }
    if (resume && lastSeq !== undefined) msg.lastSeq = lastSeq
    socket?.send(JSON.stringify(msg))
  }

  function alive() {
    if (watchdog !== undefined) opts.clearTimer(watchdog)
    watchdog = opts.setTimer(() => socket?.close(4000, 'silent'), opts.silenceMs ?? 10_000)
  }

  function received(events: StreamEvent[]) {
    if (events.length === 0) return
    // The last one received, not the highest ever: a restarted server numbers afresh.
    lastSeq = events[events.length - 1]!.seq ?? lastSeq
    on.events(events)
  }

  function handle(m: WsServerMessage) {
    switch (m.type) {
      case 'event':
        return received([m.data])
      case 'batch':
        return received(m.events)
      case 'catchup':
        // A big catch-up comes in parts: count them all, and judge completeness by the final one.
        caughtUp += m.events.length
        if (m.final !== false) {
          showResumed({ events: caughtUp, complete: m.complete })
          caughtUp = 0
        }
        return received(m.events)
      case 'pulse':
        return on.pulse(m.time, m.speed, m.streams, { effectiveSpeed: m.effectiveSpeed, lagMs: m.lagMs })
      case 'simulation':
        return on.state(m.state)
      case 'external_event':
        return on.external(m.event)
      case 'ping':
        return socket?.send('{"type":"pong"}')
      case 'error':
        lastError.value = `${m.code}: ${m.message}`
        return
    }
  }

  function open() {
    if (stopped) return
    status.value = everOpened ? 'reconnecting' : 'connecting'
    const s = opts.connect(opts.url)
    socket = s
    s.onopen = () => {
      const reconnected = everOpened
      everOpened = true
      caughtUp = 0 // parts of a catch-up the previous connection did not finish
      status.value = 'open'
      attempt.value = 0
      retryInMs.value = undefined
      lastError.value = undefined
      subscribe(reconnected)
      if (reconnected) showResumed({ events: 0, complete: true })
      alive()
      on.opened(reconnected)
    }
    s.onmessage = (ev) => {
      alive()
      try {
        handle(JSON.parse(String(ev.data)) as WsServerMessage)
      } catch {
        lastError.value = 'the server sent a frame that is not JSON'
      }
    }
    s.onerror = () => {}
    s.onclose = (ev) => {
      if (socket !== s) return
      socket = undefined
      if (watchdog !== undefined) opts.clearTimer(watchdog)
      if (stopped) return
      resumed.value = undefined
      if (ev.code === 4008) lastError.value = 'the console fell behind the live stream; it reconnects and catches up'
      const wait = BACKOFF_MS[Math.min(attempt.value, BACKOFF_MS.length - 1)]!
      attempt.value++
      status.value = 'reconnecting'
      retryInMs.value = wait
      retry = opts.setTimer(open, wait)
    }
  }

  return {
    status,
    attempt,
    retryInMs,
    resumed,
    lastError,
    feedTopic,
    start: open,
    /** A new feed topic replaces the subscription (the feed starts afresh from now). */
    setFeedTopic(topic: string) {
      feedTopic.value = topic
      lastSeq = undefined
      if (socket?.readyState === OPEN) subscribe(false)
    },
    stop() {
      stopped = true
      if (retry !== undefined) opts.clearTimer(retry)
      for (const t of [watchdog, resumedTimer]) if (t !== undefined) opts.clearTimer(t)
      socket?.close(1000, 'console closed')
      socket = undefined
    },
  }
}
export type Live = ReturnType<typeof createLive>
