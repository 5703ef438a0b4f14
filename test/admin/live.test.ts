/** The console's WebSocket link with a scripted socket and a manual timer: subscribe, resume, reconnect. */
import t from 'tap'
import { createLive, type SocketLike } from '../../admin-ui/src/models/live.js'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: unknown[] = []
  closed: number | undefined
  onopen: SocketLike['onopen'] = null
  onclose: SocketLike['onclose'] = null
  onmessage: SocketLike['onmessage'] = null
  onerror: SocketLike['onerror'] = null
  send(d: string) {
    this.sent.push(JSON.parse(d))
  }
  close(code = 1000) {
    this.closed = code
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(m: unknown) {
    this.onmessage?.({ data: JSON.stringify(m) })
  }
}

/** Timers that fire only when the test advances them. */
function manualTimers() {
  let now = 0
  let next = 1
  const pending = new Map<number, { at: number; fn: () => void }>()
  return {
    setTimer: (fn: () => void, ms: number) => (pending.set(next, { at: now + ms, fn }), next++),
    clearTimer: (id: unknown) => void pending.delete(id as number),
    advance(ms: number) {
      now += ms
      for (const [id, p] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
        if (p.at <= now && pending.has(id)) {
          pending.delete(id)
          p.fn()
        }
      }
    },
  }
}

function setup() {
  const sockets: FakeSocket[] = []
  const timers = manualTimers()
  const got = { events: [] as number[], pulses: 0, opened: [] as boolean[] }
  const live = createLive(
    { url: 'ws://x/ws', connect: () => (sockets.push(new FakeSocket()), sockets.at(-1)!), ...timers },
    {
      events: (es) => got.events.push(...es.map((e) => e.seq!)),
      pulse: () => got.pulses++,
      state: () => {},
      external: () => {},
      opened: (r) => got.opened.push(r),
    },
  )
  const ev = (seq: number) => ({ stream: 'customer.signup.started', timestamp: '2026-11-26T08:00:00Z', data: {}, seq })
  return { sockets, timers, got, live, ev }
}

t.test('subscribes to pulse, simulation and the feed topic; answers pings', async (t) => {
  const { sockets, got, live, ev } = setup()
  live.start()
  t.equal(live.status.value, 'connecting')
  sockets[0]!.open()
  t.equal(live.status.value, 'open')
  t.same(sockets[0]!.sent, [{ type: 'subscribe', topics: ['pulse', 'simulation', 'session.*'] }], 'a first connection asks for no catch-up')
  sockets[0]!.receive({ type: 'batch', events: [ev(5), ev(6)] })
  sockets[0]!.receive({ type: 'event', data: ev(7) })
  sockets[0]!.receive({ type: 'pulse', time: '2026-11-26T08:00:00Z', speed: 1, streams: {} })
  sockets[0]!.receive({ type: 'ping' })
  t.same(got.events, [5, 6, 7])
  t.equal(got.pulses, 1)
  t.same(sockets[0]!.sent.at(-1), { type: 'pong' })
  live.setFeedTopic('*')
  t.same(sockets[0]!.sent.at(-1), { type: 'subscribe', topics: ['pulse', 'simulation', '*'] }, 'a new topic replaces the subscription')
  t.same(got.opened, [false])
})

t.test('a dropped link reconnects by itself with backoff and resumes from the last event', async (t) => {
  const { sockets, timers, got, live, ev } = setup()
  live.start()
  sockets[0]!.open()
  sockets[0]!.receive({ type: 'batch', events: [ev(10), ev(11)] })
  sockets[0]!.close(1006)
  t.equal(live.status.value, 'reconnecting')
  t.equal(live.retryInMs.value, 500)
  timers.advance(499)
  t.equal(sockets.length, 1, 'waits out the backoff')
  timers.advance(1)
  t.equal(sockets.length, 2)
  sockets[1]!.close(1006) // the server is still down
  t.equal(live.retryInMs.value, 1000, 'backs off further')
  timers.advance(1000)
  sockets[2]!.open()
  t.same(sockets[2]!.sent[0], { type: 'subscribe', topics: ['pulse', 'simulation', 'session.*'], lastSeq: 11 }, 'resumes after the last event seen')
  sockets[2]!.receive({ type: 'catchup', events: [ev(12), ev(13)], catchUpEndTime: '2026-11-26T08:01:00Z', complete: true })
  t.same(got.events, [10, 11, 12, 13], 'no gap, no duplicate')
  t.same(live.resumed.value, { events: 2, complete: true }, 'the console can say what came back')
  t.same(got.opened, [false, true], 'the console is told to re-read what it shows')
  t.equal(live.attempt.value, 0)
  timers.advance(15_000)
  t.equal(live.resumed.value, undefined, 'the notice goes away')
})

t.test('a silent link is taken for dead; a slow-consumer close says why; stop ends it all', async (t) => {
  const { sockets, timers, live } = setup()
  live.start()
  sockets[0]!.open()
  timers.advance(9_999)
  t.equal(sockets[0]!.closed, undefined)
  timers.advance(1)
  t.equal(sockets[0]!.closed, 4000, 'no pulse for 10 s: the link is closed and rebuilt')
  timers.advance(500)
  sockets[1]!.open()
  sockets[1]!.close(4008)
  t.match(live.lastError.value, /fell behind/)
  live.stop()
  timers.advance(60_000)
  t.equal(sockets.length, 2, 'no reconnection after stop')
})
