/**
 * The WebSocket hub: one live timeline fanned out to every client. Each event is serialized
 * once; a client's batch is the concatenation of the serialized events it matches, flushed
 * every 100 ms (`event` for one, `batch` for several, nothing for none). Catch-up reads the
 * shared recent buffer by seq, so a reconnecting client gets exactly what it missed. A client
 * whose unsent bytes pass the limit is closed (4008) and told to reconnect with catch-up.
 *
 * A catch-up is bounded work: it goes out in `catchup` parts of at most `catchupFrameBytes`,
 * each written only after the previous one left the process (the socket's back-pressure), so
 * a full catch-up never holds the event loop or piles megabytes into one socket. While it
 * runs, the client's live events wait behind it (and count against its backlog limit), and its
 * further subscribe/unsubscribe messages wait their turn. Catch-ups are budgeted per connection
 * and per address: one past the budget is an `error` (CATCHUP_RATE_LIMITED) and changes nothing.
 */
import type { ExternalEvent, SimulationState, StreamEvent, WsErrorCode, WsSubscribe, WsUnsubscribe } from '@marketsim/shared-types'
import { guarded, type ErrorLog } from '../guard.js'
import type { WebSocket } from 'ws'
import { RateLimiter } from '../controls/rate-limit.js'
import type { Simulation } from '../sim/simulation.js'
import { readFrame, readMessage } from './messages.js'
import { compileTopics, NO_TOPICS, resolveTopic, type Matcher } from './topics.js'

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
  /** The largest `catchup` frame (UTF-8 bytes); a catch-up needing more goes out in parts. */
  catchupFrameBytes: number
  /** Catch-ups one connection may ask for per minute (a token bucket: that many at once, refilled over a minute). */
  catchupsPerMinute: number
  /** Catch-ups all connections from one address may ask for per minute. */
  catchupsPerIpPerMinute: number
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
  id: number
  ip: string
  socket: WebSocket
  topics: Set<string>
  matcher: Matcher
  queue: string[]
  /** Characters in `queue`: live events held behind a running catch-up count against the backlog limit. */
  queued: number
  lastSeen: number
  /** A catch-up is being written: live events wait behind it, subscribe/unsubscribe wait their turn. */
  catchingUp: boolean
  deferred: Array<Record<string, unknown>>
}

/** Messages a client may queue behind its running catch-up; beyond, they are refused. */
const MAX_DEFERRED = 16

export class Hub {
  private readonly clients = new Set<Client>()
  private readonly timers: NodeJS.Timeout[] = []
  private unsubscribe: (() => void) | undefined
  /** Counters for the operations view. */
  readonly stats = { sent: 0, bytes: 0, slowDisconnects: 0, heartbeatDisconnects: 0, catchups: 0, incompleteCatchups: 0, catchupFrames: 0, catchupsRefused: 0 }
  private readonly perConnection: RateLimiter
  private readonly perIp: RateLimiter
  private nextId = 0

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
    for (const k of ['pingIntervalMs', 'pongTimeoutMs', 'flushMs', 'pulseMs', 'maxBufferBytes', 'maxFrameBytes', 'catchupFrameBytes'] as const) {
      if (!(options[k] > 0)) throw new Error(`websocket hub: ${k} must be a positive number (got ${String(options[k])})`)
    }
    this.perConnection = new RateLimiter(options.catchupsPerMinute, now)
    this.perIp = new RateLimiter(options.catchupsPerIpPerMinute, now)
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
        if (c.matcher.streams[s] || (c.matcher.anomalies && anomalous)) {
          c.queue.push((json ??= JSON.stringify(e)))
          c.queued += json.length
        }
      }
    }
  }

  /** A connection from `ip` (the address its catch-up budget is counted under); returns its id. */
  add(socket: WebSocket, ip = ''): number {
    const client: Client = { id: ++this.nextId, ip, socket, topics: new Set(), matcher: NO_TOPICS, queue: [], queued: 0, lastSeen: this.now(), catchingUp: false, deferred: [] }
    this.clients.add(client)
    socket.on('message', (data, isBinary) => this.onMessage(client, data as Buffer, isBinary))
    socket.on('pong', () => (client.lastSeen = this.now()))
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => this.clients.delete(client))
    return client.id
  }

  /** Send one frame; false when the client was closed as a slow consumer instead. `written` runs once it left the process. */
  private send(c: Client, text: string, written?: (err?: Error) => void): boolean {
    // A backlog still unsent from earlier frames means the client is not keeping up.
    const limit = this.options.shedding?.() ? this.options.maxBufferBytes / 4 : this.options.maxBufferBytes
    if (c.socket.bufferedAmount > limit) {
      this.dropSlow(c)
      return false
    }
    c.socket.send(text, written)
    this.stats.sent++
    // Bytes on the wire, not UTF-16 units: scenario states and external events carry emoji and arrows.
    this.stats.bytes += Buffer.byteLength(text)
    return true
  }

  private dropSlow(c: Client): void {
    this.stats.slowDisconnects++
    this.clients.delete(c)
    c.queue.length = 0
    c.queued = 0
    c.socket.close(SLOW_CONSUMER, 'slow consumer: reconnect and subscribe with lastSeq to catch up')
  }

  private error(c: Client, code: WsErrorCode, message: string, extra: Record<string, unknown> = {}): void {
    this.send(c, JSON.stringify({ type: 'error', code, message, ...extra }))
  }

  private onMessage(c: Client, data: Buffer, isBinary: boolean): void {
    c.lastSeen = this.now()
    const frame = readFrame(data, isBinary, this.options.maxFrameBytes)
    if (!frame.ok) return this.error(c, frame.refusal.code, frame.refusal.message)
    const m = frame.value
    if (c.catchingUp && (m.type === 'subscribe' || m.type === 'unsubscribe')) {
      // Topics change between parts of a catch-up would interleave live events with it.
      if (c.deferred.length >= MAX_DEFERRED) return this.error(c, 'CATCHUP_IN_PROGRESS', `a catch-up is being sent; at most ${MAX_DEFERRED} messages wait for it`)
      c.deferred.push(m)
      return
    }
    this.handle(c, m)
  }

  /** A message read and validated here, not before: one deferred behind a catch-up is answered in its turn. */
  private handle(c: Client, raw: Record<string, unknown>): void {
    const read = readMessage(raw)
    if (!read.ok) return this.error(c, read.refusal.code, read.refusal.message)
    const m = read.value
    switch (m.type) {
      case 'pong':
        return
      case 'subscribe':
        return this.subscribe(c, m)
      case 'unsubscribe':
        return this.unsubscribeTopics(c, m)
    }
  }

  /** Topics that name no stream are refused by name: a typo is never a silent no-op. */
  private knownTopics(c: Client, topics: string[]): boolean {
    const model = this.sim().engine.model
    const unknown = topics.filter((x) => resolveTopic(model, x) === undefined)
    if (unknown.length > 0) this.error(c, 'UNKNOWN_TOPIC', `no stream matches: ${unknown.join(', ')}`)
    return unknown.length === 0
  }

  private subscribe(c: Client, m: WsSubscribe): void {
    // Validate everything before changing anything (the schema has checked the shapes).
    const after = m.lastSeq
    const afterTime = after === undefined && m.lastTimestamp !== undefined ? Date.parse(m.lastTimestamp) : undefined
    const topics = m.topics
    if (!this.knownTopics(c, topics)) return
    if ((after !== undefined || afterTime !== undefined) && !this.withinBudget(c)) return
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
    void this.sendCatchup(c, events, complete, new Date(sim.now).toISOString())
  }

  /** Take one catch-up from the connection's and the address's budgets; refuse it in an `error` when either is spent. */
  private withinBudget(c: Client): boolean {
    const mine = this.perConnection.take(String(c.id))
    const theirs = mine.allowed ? this.perIp.take(c.ip) : mine
    if (theirs.allowed) return true
    this.stats.catchupsRefused++
    const [limit, who] = mine.allowed ? [this.perIp.perMinute, 'connections from this address'] : [this.perConnection.perMinute, 'a connection']
    this.error(c, 'CATCHUP_RATE_LIMITED', `${who} may ask for ${limit} catch-ups a minute; retry in ${theirs.retryAfterS} s (nothing changed)`, {
      retryAfterSeconds: theirs.retryAfterS,
    })
    return false
  }

  /**
   * Write a catch-up in parts of at most `catchupFrameBytes`, each once the previous one has
   * left the process, yielding to the event loop in between. Every part says `final` (the last
   * one true) and `complete` (true only on the final part of a complete catch-up: an earlier
   * part does not hold every event after the point). Then the live events held behind it.
   */
  private async sendCatchup(c: Client, events: StreamEvent[], complete: boolean, endTime: string): Promise<void> {
    c.catchingUp = true
    const limit = this.options.catchupFrameBytes
    // Generous for the envelope: part numbers and the longest booleans.
    const envelope = Buffer.byteLength(`{"type":"catchup","catchUpEndTime":"${endTime}","complete":false,"final":false,"part":9999999999,"events":[]}`)
    let i = 0
    let part = 0
    let next = events.length > 0 ? JSON.stringify(events[0]) : ''
    try {
      do {
        const chunk: string[] = []
        let bytes = envelope
        while (i < events.length) {
          const size = Buffer.byteLength(next) + 1
          // A part always carries at least one event, however large.
          if (chunk.length > 0 && bytes + size > limit) break
          chunk.push(next)
          bytes += size
          next = ++i < events.length ? JSON.stringify(events[i]) : ''
        }
        const final = i >= events.length
        const frame = `{"type":"catchup","catchUpEndTime":"${endTime}","complete":${final && complete},"final":${final},"part":${++part},"events":[${chunk.join(',')}]}`
        if (!this.clients.has(c) || !(await this.write(c, frame))) return
        this.stats.catchupFrames++
        // A write to a fast socket completes on the next tick: let timers and requests run.
        await new Promise((r) => setImmediate(r))
      } while (i < events.length)
    } finally {
      c.catchingUp = false
    }
    this.flushClient(c)
    while (!c.catchingUp && c.deferred.length > 0 && this.clients.has(c)) this.handle(c, c.deferred.shift()!)
  }

  /** Send a frame and wait until it has left the process (or the connection is gone). */
  private write(c: Client, frame: string): Promise<boolean> {
    return new Promise((resolve) => {
      const closed = () => resolve(false)
      c.socket.once('close', closed)
      const done = (ok: boolean) => {
        c.socket.off('close', closed)
        resolve(ok)
      }
      if (!this.send(c, frame, (err) => done(!err && this.clients.has(c)))) done(false)
    })
  }

  private unsubscribeTopics(c: Client, m: WsUnsubscribe): void {
    const topics = m.topics
    this.flushClient(c)
    for (const x of topics) c.topics.delete(x)
    c.matcher = compileTopics(this.sim().engine.model, c.topics)
    this.send(c, JSON.stringify({ type: 'unsubscribed', topics }))
  }

  private flushClient(c: Client): void {
    if (c.queue.length === 0 || c.catchingUp) return
    const q = c.queue
    c.queue = []
    c.queued = 0
    this.send(c, q.length === 1 ? `{"type":"event","data":${q[0]}}` : `{"type":"batch","events":[${q.join(',')}]}`)
  }

  /** Every flush interval: each client's matched events in one frame; state and timeline pushes. */
  flush(): void {
    for (const c of this.clients) {
      // Live events held behind a catch-up the client is not taking in grow without bound.
      if (c.catchingUp && c.queued > this.options.maxBufferBytes) this.dropSlow(c)
      else this.flushClient(c)
    }
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
      // A pulse follows the events it counts: not before a running catch-up has delivered them.
      if (!c.matcher.pulse || c.catchingUp) continue
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
