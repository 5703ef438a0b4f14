/**
 * The console's models against a real server (no DOM): they load the world, follow it live and
 * drive it through the public REST and WebSocket API. The test moves the simulation clock.
 */
import net from 'node:net'
import t from 'tap'
import WebSocket from 'ws'
import { createConsole } from '../../admin-ui/src/models/console.js'
import type { SocketLike } from '../../admin-ui/src/models/live.js'
import { TEST_START, build } from '../helpers.js'

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`never happened: ${what}`)
}

t.test('the console loads the world, follows it live and drives scenarios', async (t) => {
  const app = await build(t, { simulation: { historyDays: 2 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  let at = TEST_START
  /** Simulated minutes, each flushed and drained like the hub's 100 ms flushes at 600×. */
  const tick = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      app.simulation.sim.advanceTo((at += 60_000))
      app.hub.flush()
      await new Promise((r) => setTimeout(r, 2))
    }
    app.hub.pulse()
  }
  const c = createConsole({
    transport: { fetch: (i, init) => fetch(i, init), base: `http://127.0.0.1:${port}` },
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    connect: (url) => new WebSocket(url) as unknown as SocketLike,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (x) => clearTimeout(x as NodeJS.Timeout),
    setRepeat: (fn, ms) => setInterval(fn, ms),
    clearRepeat: (x) => clearInterval(x as NodeJS.Timeout),
    realTime: () => Date.now(),
  })
  t.teardown(() => c.stop())
  await c.start()
  await until('the link is open', () => c.live.status.value === 'open')
  t.equal(c.heatmap.streams.value.length, 50)
  t.equal(c.scenarios.catalog.value.length, 9)
  t.equal(c.clock.info.value?.seed, app.simulation.sim.options.seed, 'the seed shown is the world\'s')
  t.equal(c.scenarios.state.value?.baselineState, 'normal')

  await tick(1)
  await until('a pulse and events arrived', () => c.heatmap.pulseTime.value !== undefined && c.feed.total.value > 0)
  t.equal(c.heatmap.groups.value.flatMap((g) => g.cells).filter((x) => x.normalized !== undefined).length, 50, 'every cell has a reading')
  t.same(c.heatmap.groups.value.map((g) => g.domain), ['customer', 'tutor', 'session', 'support', 'marketing', 'system'])

  t.ok(await c.scenarios.activate('exam-season-surge'), 'activated')
  t.equal(c.scenarios.running.value?.phase, 'active')
  t.equal(c.scenarios.state.value?.baselineState, 'custom')
  t.notOk(await c.scenarios.activate('payment-outage'), 'a second scenario is refused')
  t.match(c.scenarios.error.value, /Another scenario is already running/, 'and the refusal is said in words')
  t.match(c.scenarios.refusalFor('payment-outage'), /Another scenario is already running/, 'by the card that was pressed')
  t.equal(c.scenarios.blockedFor('payment-outage'), `${c.scenarios.running.value?.name} is running: stop it and let it settle, or reset, first.`, 'which the console would not have let be pressed')
  t.equal(c.scenarios.running.value?.modifier.type, 'exam-season-surge', 'nothing changed')

  await tick(30)
  // ×1.6 on top of this hour's weather (a dull hour in this seeded world): clearly up, not yet flagged.
  await until('searches show the surge', () => {
    const p = c.heatmap.pulse.value['customer.tutor.search']
    return p !== undefined && p.observed > 1.25 * p.expected && p.normalized > 58
  })
  c.refreshViews()
  await until('the ground truth lists the surge', () => c.truth.rows.value.some((r) => r.stream === 'customer.tutor.search' && r.now === 1.6))
  await until('the scenario\'s event is on the timeline', () => c.timeline.events.value.some((e) => e.id === 'evt_exam_season_ib'))

  c.chart.select('customer.tutor.search')
  c.refreshViews()
  await until('the chart has a week of hours (or all the history there is)', () => (c.chart.series.value?.times.length ?? 0) >= 48)
  t.ok(c.chart.series.value!.markers.some((e) => e.id === 'evt_exam_season_ib'), 'the scenario\'s event marks the chart')

  t.ok(await c.scenarios.stop())
  t.equal(c.scenarios.running.value?.phase, 'settling')
  t.match(c.scenarios.notice.value, /settling until/)
  t.ok(await c.scenarios.reset())
  t.equal(c.scenarios.running.value, undefined)
  t.equal(c.scenarios.state.value?.baselineState, 'normal')
  await until('the reset past no longer holds the scenario\'s event', () => !c.timeline.events.value.some((e) => e.id === 'evt_exam_season_ib'))

  // Backdated a day, a 4 h + 8 h scenario has already run its course: shown as settled, not gone.
  const now = app.simulation.sim.now
  t.ok(await c.scenarios.activate('supply-crisis', 1))
  const settled = c.scenarios.running.value
  t.equal(settled?.phase, 'settled')
  // The console backdates from its running estimate of the clock: within seconds of the server's.
  t.ok(Math.abs(Date.parse(settled!.modifier.startTime) - (now - 86_400_000)) < 5000, 'started a simulated day ago')
  t.same(c.scenarios.state.value?.activeModifiers, [], 'the server no longer lists it')
  t.equal(c.scenarios.state.value?.historicalMode, 'modified', 'but the past holds it')
  t.ok(await c.scenarios.reset())
  t.equal(c.scenarios.running.value, undefined, 'after a reset it is gone')

  t.ok(await c.scenarios.setSpeed(0))
  t.equal(c.clock.speed.value, 0)
  t.equal((await app.inject('/api/simulation/clock')).json().speed, 0, 'the server\'s clock is paused')
})
