/**
 * The control journal in a Redis Stream (replicas sharing one world), against a real
 * redis-server started for the test: the first replica writes the world, later ones adopt it or
 * refuse naming what differs; racing appends give one success and one conflict; a follower
 * gets every entry in order and resumes after its connection is dropped, nothing lost or twice.
 */
import t, { type Test } from 'tap'
import { createClient } from 'redis'
import { RedisJournal, START_ID, WorldMismatchError, type JournalEntry } from '../server/src/journal/redis.js'
import type { ActionRecord, WorldRecord } from '../server/src/journal/records.js'
import { startRedis } from './redis-server.js'

const world: WorldRecord = { type: 'world', seed: 42, startMs: Date.parse('2026-11-20T12:00:00Z'), historyDays: 30, configHash: 'abc', baseline: {}, live: true }
const activate = (id: string, at: number): ActionRecord => ({ type: 'activate', id, scenarioId: 'exam-season-surge', startMs: at, knownAt: at, at, seq: at })

async function journal(t: Test, url: string, key: string): Promise<RedisJournal> {
  const j = await RedisJournal.connect(url, key)
  t.teardown(() => j.close())
  return j
}

t.test('the first replica writes the world; the next adopts it, baseline and all; one that differs is refused', async (t) => {
  const redis = await startRedis(t)
  const first = await journal(t, redis.url, 'w1')
  const a = await first.open({ ...world, baseline: { s: { mean: 1 } as never } })
  t.same(a.entries, [], 'a new world: no actions')
  const second = await journal(t, redis.url, 'w1')
  const b = await second.open({ ...world, baseline: {} })
  t.same(b.world.baseline, { s: { mean: 1 } }, "the first replica's baseline statistics are adopted")
  t.equal(b.lastId, a.lastId)
  const third = await journal(t, redis.url, 'w1')
  const refused = await third.open({ ...world, seed: 7, historyDays: 10 }).then(
    () => undefined,
    (err: unknown) => err,
  )
  t.ok(refused instanceof WorldMismatchError, 'refused')
  t.match((refused as Error).message, /disagree with the world in Redis on seed, historyDays/, 'naming what differs')
  t.equal((await first.range(START_ID)).length, 1, 'and it wrote nothing')
})

t.test('racing appends: one succeeds, the other learns the new last id and can decide again', async (t) => {
  const redis = await startRedis(t)
  const x = await journal(t, redis.url, 'w2')
  const y = await journal(t, redis.url, 'w2')
  const { lastId } = await x.open(world)
  await y.open(world)
  const [rx, ry] = await Promise.all([x.append(activate('a', 1), lastId), y.append(activate('b', 2), lastId)])
  t.equal([rx, ry].filter((r) => r.ok).length, 1, 'exactly one append wins')
  const loser = rx.ok ? ry : rx
  const winner = rx.ok ? rx : ry
  t.same(loser, { ok: false, lastId: winner.ok ? winner.id : '' }, 'the other is told the id it missed')
  const entries = await x.range(START_ID)
  t.equal(entries.length, 2, 'world + one action')
  const retry = await (rx.ok ? y : x).append({ type: 'stop', id: 'a', at: 3, seq: 3 }, loser.ok ? '' : loser.lastId)
  t.ok(retry.ok, 'decided again against the state it now knows, it is appended')
})

t.test('a follower gets every entry in order, and resumes after its connection is dropped', async (t) => {
  const redis = await startRedis(t)
  const writer = await journal(t, redis.url, 'w3')
  const { lastId } = await writer.open(world)
  const reader = await journal(t, redis.url, 'w3')
  const got: JournalEntry[] = []
  const errors: Error[] = []
  const stop = reader.follow(lastId, (e) => got.push(e), (err) => errors.push(err))
  t.teardown(stop)
  let last = lastId
  const appendSome = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const r = await writer.append(activate(`r${i}`, i), last)
      if (!r.ok) throw new Error('unexpected conflict')
      last = r.id
    }
  }
  await appendSome(0, 20)
  const until = async (n: number) => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 25))
  }
  await until(20)
  t.equal(got.length, 20, 'the first twenty arrive')
  // Drop every normal client connection (the follower's blocking read among them), then write more.
  const admin = createClient({ url: redis.url })
  await admin.connect()
  await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'])
  await admin.destroy()
  await appendSome(20, 20)
  await until(40)
  t.equal(got.length, 40, 'all forty, after the disconnect')
  t.same(
    got.map((e) => (e.record as { id: string }).id),
    Array.from({ length: 40 }, (_, i) => `r${i}`),
    'in order, none lost, none twice',
  )
})
