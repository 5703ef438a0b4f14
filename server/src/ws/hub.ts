/**
 * The WebSocket hub: one live timeline fanned out to every client. Each event is serialized
 * once; a client's batch is the concatenation of the serialized events it matches, flushed
 * every 100 ms (`event` for one, `batch` for several, nothing for none). Catch-up reads the
 * shared recent buffer by seq, so a reconnecting client gets exactly what it missed. A client
 * whose unsent bytes pass the limit is closed (4008) and told to reconnect with catch-up.
 */
import type { ExternalEvent, SimulationState, StreamEvent } from '@marketsim/shared-types'
import { guarded, type ErrorLog } from '../guard.js'
import type { WebSocket } from 'ws'
import type { Simulation } from '../sim/simulation.js'
import { compileTopics, resolveTopic, type Matcher } from './topics.js'

export interface HubOptions {
  pingIntervalMs: number
  pongTimeoutMs: number
  maxBufferBytes: number
  flushMs: number
  maxFrameBytes: number
  /** How often `pulse` subscribers get every stream's standing (real milliseconds). */
  pulseMs: number
  /** Where a timer's failure is reported (it never leaves the timer). */
  log?: ErrorLog
  /** True while the server sheds load: slow consumers then go first, at a quarter of the buffer limit. */
  shedding?: () => boolean
}

export const SLOW_CONSUMER = 4008

/** What the `simulation` topic is fed: the state (on change) and timeline events (as they occur). */
export interface SimulationFeed {
  /** False while the history is being built: there is no "now" to report yet. */
  ready(): boolean
  /** The clock speed (simulated seconds per real second). */
  speed(): number
  /** How the world keeps up with its clock, where measured. */
  pace?(): { effectiveSpeed?: number; lagMs?: number }
  state(): SimulationState
  eventsBetween(fromExclusive: number, toInclusive: number): ExternalEvent[]
}

interface Client {
  socket: WebSocket
  topics: Set<string>
  matcher: Matcher
  queue: string[]
  lastSeen: number
}

const NONE: Matcher = { streams: new Uint8Array(0), anomalies: false, simulation: false, pulse: false }

export class Hub {
  private readonly clients = new Set<Client>()
  private readonly timers: NodeJS.Timeout[] = []
  private unsubscribe: (() => void) | undefined
  /** Counters for the operations view. */
  readonly stats = { sent: 0, bytes: 0, slowDisconnects: 0, heartbeatDisconnects: 0, catchups: 0, incompleteCatchups: 0 }

  private lastState = ''
  /** Ids of the external events of the last day already pushed (so each goes out once). */
  private pushed = new Set<string>()

  constructor(
    private sim: () => Simulation,
    readonly options: HubOptions,
    private readonly feed?: SimulationFeed,
    private readonly now: () => number = Date.now,
  ) {
    // An interval left undefined would make setInterval fire every millisecond: refuse it at boot.
    for (const k of ['pingIntervalMs', 'pongTimeoutMs', 'flushMs', 'pulseMs', 'maxBufferBytes', 'maxFrameBytes'] as const) {
      if (!(options[k] > 0)) throw new Error(`websocket hub: ${k} must be a positive number (got ${String(options[k])})`)
    }
  }

  start(): void {
    // What has already happened is history, not news: only later events are pushed.
    const now = this.sim().now
    for (const e of this.feed?.eventsBetween(now - 86_400_000, now) ?? []) this.pushed.add(e.id)
    this.unsubscribe = this.sim().onLive((events) => this.publish(events))
    const log = this.options.log
    const flush = setInterval(guarded(log, 'ws flush', () => this.flush()), this.options.flushMs)
    const ping = setInterval(guarded(log, 'ws heartbeat', () => this.heartbeat()), this.options.pingIntervalMs)
    const pulse = setInterval(guarded(log, 'ws pulse', () => this.pulse()), this.options.pulseMs)
    for (const t of [flush, ping, pulse]) t.unref()
    this.timers.push(flush, ping, pulse)
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    this.unsubscribe?.()
    for (const c of this.clients) {
      this.flushClient(c)
      c.socket.close(1001, 'server shutting down')
    }
    this.clients.clear()
  }

  get size(): number {
    return this.clients.size
  }

  /** Called with each batch of live events, in timeline order. */
  publish(events: StreamEvent[]): void {
    if (this.clients.size === 0) return
    const index = this.sim().engine.model.index
    for (const e of events) {
      let json: string | undefined
      const s = index.get(e.stream)!
      const anomalous = e.anomalyFlag === 'warning' || e.anomalyFlag === 'critical'
      for (const c of this.clients) {
        if (c.matcher.streams[s] || (c.matcher.anomalies && anomalous)) c.queue.push((json ??= JSON.stringify(e)))
      }
    }
  }

  add(socket: WebSocket): void {
    const client: Client = { socket, topics: new Set(), matcher: NONE, queue: [], lastSeen: this.now() }
    this.clients.add(client)
    socket.on('message', (data, isBinary) => this.onMessage(client, data as Buffer, isBinary))
    socket.on('pong', () => (client.lastSeen = this.now()))
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => this.clients.delete(client))
  }

  private send(c: Client, text: string): void {
    // A backlog still unsent from earlier frames means the client is not keeping up.
    const limit = this.options.shedding?.() ? this.options.maxBufferBytes / 4 : this.options.maxBufferBytes
    if (c.socket.bufferedAmount > limit) {
      this.stats.slowDisconnects++
      this.clients.delete(c)
      c.queue.length = 0
      c.socket.close(SLOW_CONSUMER, 'slow consumer: reconnect and subscribe with lastSeq to catch up')
      return
    }
    c.socket.send(text)
    this.stats.sent++
    // Bytes on the wire, not UTF-16 units: scenario states and external events carry emoji and arrows.
    this.stats.bytes += Buffer.byteLength(text)
  }

  private error(c: Client, code: string, message: string): void {
    this.send(c, JSON.stringify({ type: 'error', code, message }))
  }

  private onMessage(c: Client, data: Buffer, isBinary: boolean): void {
    c.lastSeen = this.now()
    if (data.length > this.options.maxFrameBytes) return this.error(c, 'MESSAGE_TOO_LARGE', `frames are limited to ${this.options.maxFrameBytes} bytes`)
    if (isBinary) return this.error(c, 'INVALID_MESSAGE', 'send JSON text frames')
    let msg: unknown
    try {
      msg = JSON.parse(data.toString('utf8'))
    } catch {
      return this.error(c, 'INVALID_JSON', 'the frame is not valid JSON')
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.error(c, 'INVALID_MESSAGE', 'a message is a JSON object with a "type"')
    const m = msg as Record<string, unknown>
    switch (m.type) {
      case 'pong':
        return
      case 'subscribe':
        return this.subscribe(c, m)
      case 'unsubscribe':
        return this.unsubscribeTopics(c, m)
      default:
        return this.error(c, typeof m.type === 'string' ? 'UNKNOWN_MESSAGE_TYPE' : 'INVALID_MESSAGE', `unknown message type: ${String(m.type)}`)
    }
  }

  private topicsOf(c: Client, m: Record<string, unknown>): string[] | undefined {
    const topics = m.topics
    if (!Array.isArray(topics) || topics.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 200) || topics.length > 200) {
      this.error(c, 'INVALID_MESSAGE', '"topics" must be an array of topic strings')
      return undefined
    }
    const model = this.sim().engine.model
    const unknown = (topics as string[]).filter((x) => resolveTopic(model, x) === undefined)
    if (unknown.length > 0) {
      this.error(c, 'UNKNOWN_TOPIC', `no stream matches: ${unknown.join(', ')}`)
      return undefined
    }
    return topics as string[]
  }

  private subscribe(c: Client, m: Record<string, unknown>): void {
    // Validate everything before changing anything.
    let after: number | undefined
    let afterTime: number | undefined
    if (m.lastSeq !== undefined) {
      if (typeof m.lastSeq !== 'number' || !Number.isInteger(m.lastSeq) || m.lastSeq < 0) return this.error(c, 'INVALID_MESSAGE', '"lastSeq" must be a non-negative integer')
      after = m.lastSeq
    } else if (m.lastTimestamp !== undefined) {
      const t = typeof m.lastTimestamp === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(m.lastTimestamp) ? Date.parse(m.lastTimestamp) : Number.NaN
      if (Number.isNaN(t)) return this.error(c, 'INVALID_MESSAGE', '"lastTimestamp" must be an ISO-8601 time')
      afterTime = t
    }
    const topics = this.topicsOf(c, m)
    if (!topics) return
    // Anything queued under the old topics goes first: it was promised under them.
    this.flushClient(c)
    c.topics = new Set(topics)
    c.matcher = compileTopics(this.sim().engine.model, c.topics)
    this.send(c, JSON.stringify({ type: 'subscribed', topics: [...c.topics] }))
    if (this.live()) {
      if (c.matcher.simulation && this.feed) this.send(c, JSON.stringify({ type: 'simulation', state: this.feed.state() }))
      if (c.matcher.pulse) this.send(c, this.pulseFrame())
    }
    if (after === undefined && afterTime === undefined) return
    const sim = this.sim()
    const index = sim.engine.model.index
    const match = (e: StreamEvent) =>
      c.matcher.streams[index.get(e.stream)!] === 1 || (c.matcher.anomalies && (e.anomalyFlag === 'warning' || e.anomalyFlag === 'critical'))
    // Only the queues of the client's streams bound what it can miss (all of them for `anomalies`).
    const streams = c.matcher.anomalies ? undefined : [...c.matcher.streams.keys()].filter((s) => c.matcher.streams[s] === 1)
    const { events, complete } = sim.recent.since(after !== undefined ? { seq: after } : { time: afterTime! }, sim.lastSeq, match, streams)
    this.stats.catchups++
    if (!complete) this.stats.incompleteCatchups++
    const head = `{"type":"catchup","catchUpEndTime":${JSON.stringify(new Date(sim.now).toISOString())},"complete":${complete},"events":[`
    this.send(c, head + events.map((e) => JSON.stringify(e)).join(',') + ']}')
  }

  private unsubscribeTopics(c: Client, m: Record<string, unknown>): void {
    const topics = m.topics
    if (!Array.isArray(topics) || topics.some((x) => typeof x !== 'string')) return this.error(c, 'INVALID_MESSAGE', '"topics" must be an array of topic strings')
    this.flushClient(c)
    for (const x of topics as string[]) c.topics.delete(x)
    c.matcher = compileTopics(this.sim().engine.model, c.topics)
    this.send(c, JSON.stringify({ type: 'unsubscribed', topics }))
  }

  private flushClient(c: Client): void {
    if (c.queue.length === 0) return
    const q = c.queue
    c.queue = []
    this.send(c, q.length === 1 ? `{"type":"event","data":${q[0]}}` : `{"type":"batch","events":[${q.join(',')}]}`)
  }

  /** Every flush interval: each client's matched events in one frame; state and timeline pushes. */
  flush(): void {
    for (const c of this.clients) this.flushClient(c)
    this.pushSimulation()
  }

  /** The `simulation` topic: the state when it changed, external events whose time has come. */
  private pushSimulation(): void {
    if (!this.feed || !this.live()) return
    const listeners = [...this.clients].filter((c) => c.matcher.simulation)
    const now = this.sim().now
    // Events are pushed once, when their time has come; one injected "now" by a scenario too.
    const liveFrom = this.sim().engine.liveFromMs
    const window = this.feed.eventsBetween(Math.max(liveFrom - 1, now - 86_400_000), now)
    const fresh = window.filter((e) => !this.pushed.has(e.id))
    // Everything in the window has now gone out; what left the window is never asked for again.
    this.pushed = new Set(window.map((e) => e.id))
    if (listeners.length === 0) return
    const state = this.feed.state()
    const { currentSimulationTime: _, ...stable } = state
    const signature = JSON.stringify(stable)
    const frames: string[] = []
    if (signature !== this.lastState) {
      this.lastState = signature
      frames.push(JSON.stringify({ type: 'simulation', state }))
    }
    for (const event of fresh) frames.push(JSON.stringify({ type: 'external_event', event }))
    for (const c of listeners) for (const f of frames) this.send(c, f)
  }

  /** Every stream's standing to `pulse` subscribers, after the events it counts were sent. */
  pulse(): void {
    if (!this.live()) return
    let frame: string | undefined
    for (const c of this.clients) {
      if (!c.matcher.pulse) continue
      this.flushClient(c)
      this.send(c, (frame ??= this.pulseFrame()))
    }
  }

  /** Pulses and state describe the live world; while history is built there is none yet. */
  private live(): boolean {
    return this.feed?.ready() ?? true
  }

  private pulseFrame(): string {
    const sim = this.sim()
    return JSON.stringify({ type: 'pulse', time: new Date(sim.now).toISOString(), speed: this.feed?.speed() ?? 1, ...this.feed?.pace?.(), streams: sim.pulse() })
  }

  /** JSON ping to everyone; close those silent for longer than the pong timeout. */
  heartbeat(): void {
    const now = this.now()
    for (const c of this.clients) {
      if (now - c.lastSeen > this.options.pongTimeoutMs) {
        this.stats.heartbeatDisconnects++
        this.clients.delete(c)
        c.socket.terminate()
        continue
      }
      this.send(c, '{"type":"ping"}')
      c.socket.ping()
    }
  }
}
