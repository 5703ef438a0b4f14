/** A listening app and real `ws` clients, shared by the WebSocket and metrics tests. */
import type net from 'node:net'
import WebSocket from 'ws'
import type { StreamEvent } from '@marketsim/shared-types'
import { TEST_START, build } from './helpers.js'

export type Msg = { type: string; [k: string]: unknown }
type T = Parameters<typeof build>[0]

/** build() listening on 127.0.0.1; `tick` advances the world and flushes every client's batch. */
export async function server(t: T, options: Parameters<typeof build>[1] = {}) {
  const app = await build(t, { simulation: { historyDays: 1 }, ...options })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  let at = TEST_START
  const tick = (ms: number) => {
    app.simulation.sim.advanceTo((at += ms))
    app.hub.flush()
  }
  return { app, url: `ws://127.0.0.1:${port}/ws`, tick }
}

/** A client that records every message it receives and the bytes they took on the wire. */
export async function client(t: T, url: string) {
  const ws = new WebSocket(url)
  const inbox: Msg[] = []
  let bytes = 0
  ws.on('message', (d: Buffer) => {
    bytes += d.length
    inbox.push(JSON.parse(String(d)) as Msg)
  })
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  t.teardown(() => ws.terminate())
  const send = (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m))
  /** Wait until `pred` holds (messages arrive over loopback; no timing is asserted). */
  const until = async (pred: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 5))
    if (!pred()) throw new Error('condition never came true')
  }
  /** Wait until the inbox holds a message matching `pred`. */
  const next = async (pred: (m: Msg) => boolean): Promise<Msg> => {
    await until(() => inbox.some(pred)).catch(() => {
      throw new Error('message never came')
    })
    return inbox.find(pred)!
  }
  const settle = () => new Promise((r) => setTimeout(r, 50))
  return { ws, inbox, send, next, until, settle, bytes: () => bytes }
}

/** The stream events of batches, single events and catch-ups, in the order received. */
export const eventsOf = (inbox: Msg[]): StreamEvent[] =>
  inbox.flatMap((m) => (m.type === 'batch' ? (m.events as StreamEvent[]) : m.type === 'event' ? [m.data as StreamEvent] : m.type === 'catchup' ? (m.events as StreamEvent[]) : []))

/**
 * Two `*` subscribers on a server that closes a client past 256 KB of unsent frames.
 * `starve()` makes `slow` stop reading and moves the world until the hub has given up on it
 * (the paused client cannot even read the close frame until `resume()`).
 */
export async function slowAndFast(t: T) {
  const { app, url, tick } = await server(t, { websocket: { maxBufferBytes: 256 * 1024 } })
  const slow = await client(t, url)
  const fast = await client(t, url)
  for (const c of [slow, fast]) {
    c.send({ type: 'subscribe', topics: ['*'] })
    await c.next((m) => m.type === 'subscribed')
  }
  const socket = (slow.ws as unknown as { _socket: net.Socket })._socket
  const starve = async () => {
    socket.pause()
    for (let i = 0; i < 100 && app.hub.size > 1; i++) {
      const seen = eventsOf(fast.inbox).length
      tick(60_000)
      await fast.until(() => eventsOf(fast.inbox).length > seen) // the healthy client keeps reading
    }
  }
  return { app, tick, slow, fast, starve, resume: () => socket.resume() }
}

type Client = Awaited<ReturnType<typeof client>>

export type CatchUp = Msg & { complete: boolean; events: StreamEvent[]; catchUpEndTime: string; parts: Msg[] }

/** The catch-ups in `inbox`, each with its parts joined: the final part's fields, every part's events in order. */
export function catchUpsOf(inbox: Msg[]): CatchUp[] {
  const out: CatchUp[] = []
  let parts: Msg[] = []
  for (const m of inbox) {
    if (m.type !== 'catchup') continue
    parts.push(m)
    if (m.final !== true) continue
    out.push({ ...m, events: parts.flatMap((p) => p.events as StreamEvent[]), parts } as CatchUp)
    parts = []
  }
  return out
}

/** Subscribe to `topics` from a point (`lastSeq` or `lastTimestamp`) and return the catch-up it answers, its parts joined. */
export async function catchUp(c: Client, topics: string[], point: { lastSeq: number } | { lastTimestamp: string }): Promise<CatchUp> {
  const from = c.inbox.length
  c.send({ type: 'subscribe', topics, ...point })
  // A big catch-up goes out in many parts, each after the previous one was written: allow for a busy machine.
  for (let i = 0; i < 10 && catchUpsOf(c.inbox.slice(from)).length === 0; i++) await c.until(() => catchUpsOf(c.inbox.slice(from)).length > 0).catch(() => {})
  const done = catchUpsOf(c.inbox.slice(from))[0]
  if (!done) throw new Error('the catch-up never finished')
  return done
}
