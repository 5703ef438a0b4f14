/**
 * The journal on the real process when something is wrong with it: a damaged record in the
 * middle or on the first line, a directory where the file should be, a journal that stops
 * being writable while the server runs; and catch-up after a kill -9 that follows a rebuild.
 * Nothing acknowledged is lost, nothing is applied that was not recorded, the process stays up.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import type { StreamEvent } from '@marketsim/shared-types'
import { startServer } from '../scripts/lib/server-process.mjs'

type Server = Awaited<ReturnType<typeof startServer>>

function stateDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function start(t: Test, dir: string): Promise<Server> {
  const server = await startServer({ env: { STATE_DIR: dir, SIM_SPEED: '60' } })
  t.teardown(() => server.stop())
  return server
}

const get = async (s: Server, url: string) => {
  const res = await fetch(s.url + url)
  return { status: res.status, body: (await res.json()) as any }
}
const post = async (s: Server, url: string, body: unknown = {}) => {
  const res = await fetch(s.url + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as any }
}
const ok = async (s: Server, url: string, body: unknown = {}) => {
  const res = await post(s, url, body)
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const journalOf = (dir: string) => path.join(dir, 'journal.ndjson')
const linesOf = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0)
const typeOf = (line: string) => (JSON.parse(line.slice(9)) as { type: string }).type
/** One digit of the record changed (its CRC no longer matches): a bad sector, a stray edit. */
const flipDigit = (line: string) => line.slice(0, 9) + line.slice(9).replace(/\d/, (d) => String((Number(d) + 1) % 10))

/** A session that journals an activation, checkpoints, a stop and a pause; the state it left. */
async function session(t: Test) {
  const dir = stateDir(t)
  const server = await start(t, dir)
  await ok(server, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  // At 60× a checkpoint a second lands between the activation and the stop.
  await sleep(2500)
  await ok(server, '/api/simulation/stop')
  await ok(server, '/api/simulation/clock', { speed: 0 })
  const state = JSON.stringify((await get(server, '/api/simulation/state')).body)
  await server.stop('SIGKILL')
  return { dir, server, state }
}

t.test('a damaged middle record is reported by line and skipped; every record after it kept; the original kept aside', async (t) => {
  const { dir, server, state } = await session(t)
  const lines = linesOf(journalOf(dir))
  // The last checkpoint before the stop: the stop and the pause come after it.
  const stopAt = lines.findIndex((l) => typeOf(l) === 'stop')
  const bad = lines.slice(0, stopAt).findLastIndex((l) => typeOf(l) === 'checkpoint')
  t.ok(bad > 0 && bad < stopAt, `a checkpoint between the activation and the stop (line ${bad + 1})`)
  lines[bad] = flipDigit(lines[bad]!)
  const damaged = lines.join('\n') + '\n'
  fs.writeFileSync(journalOf(dir), damaged)

  await server.restart()
  t.equal(JSON.stringify((await get(server, '/api/simulation/state')).body), state, 'the stop and everything else after the damaged line replayed')
  t.equal((await get(server, '/api/simulation/clock')).body.speed, 0, 'and the pause after it')
  const log = server.output()
  t.match(log, new RegExp(`damaged records at line ${bad + 1} were skipped`), 'the log names the line')
  const kept = /the file as it was is kept at (\S+\.ndjson)/.exec(log)?.[1]
  t.ok(kept && path.dirname(kept) === dir, `the log names where the original went (${kept})`)
  t.equal(fs.readFileSync(kept!, 'utf8'), damaged, 'byte for byte as it was before the repair')
  const now = linesOf(journalOf(dir))
  for (const [i, l] of lines.entries()) if (i !== bad && typeOf(l) !== 'checkpoint') t.ok(now.includes(l), `line ${i + 1} (${typeOf(l)}) is still in the journal`)
  t.notOk(now.includes(lines[bad]!), 'the damaged line is not')
})

t.test('a damaged first line: a new world begins and the log says where the old journal is, unchanged', async (t) => {
  const { dir, server } = await session(t)
  const lines = linesOf(journalOf(dir))
  lines[0] = flipDigit(lines[0]!)
  const damaged = lines.join('\n') + '\n'
  fs.writeFileSync(journalOf(dir), damaged)

  await server.restart()
  t.match((await get(server, '/api/simulation/state')).body, { baselineState: 'normal', historicalMode: 'baseline' }, 'a new world')
  const kept = /the old journal is kept, unchanged, at (\S+\.ndjson)/.exec(server.output())?.[1]
  t.ok(kept && path.dirname(kept) === dir, `the log names where it went (${kept})`)
  t.equal(fs.readFileSync(kept!, 'utf8'), damaged, 'with every record it held')
})

t.test('journal.ndjson being a directory stops the start with a message naming the path', async (t) => {
  const dir = stateDir(t)
  fs.mkdirSync(journalOf(dir))
  const escaped = journalOf(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  await t.rejects(start(t, dir), new RegExp(`Cannot start: ${escaped} is not a file \\(a directory stands there\\): move it aside`))
})

// Tests run as root, where a read-only mode does not stop writes. The journal is made
// unwritable by putting a directory where the file was (the server notices that the file it
// holds open is no longer the one at the path: appends to it would reach no restart), and
// writable again by moving the original back.
t.test('an unwritable journal: controls answer 503 in the envelope and change nothing; health says so; it recovers', async (t) => {
  const dir = stateDir(t)
  const server = await start(t, dir)
  const scenarios = async () => {
    const { activeModifiers, historicalMode } = (await get(server, '/api/simulation/state')).body
    return { activeModifiers, historicalMode }
  }
  const before = await scenarios()
  const file = journalOf(dir)
  fs.renameSync(file, `${file}.away`)
  fs.mkdirSync(file)

  const refused = await post(server, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  t.equal(refused.status, 503)
  t.equal(refused.body.error.code, 'JOURNAL_UNAVAILABLE', 'in the envelope, with its own code')
  t.match(refused.body.error.message, /nothing was changed/)
  t.same(await scenarios(), before, 'the activation was not applied')
  const clock = await post(server, '/api/simulation/clock', { speed: 0 })
  t.equal(clock.body.error?.code, 'JOURNAL_UNAVAILABLE', 'nor a clock change')
  t.equal((await get(server, '/api/simulation/clock')).body.speed, 60)
  t.equal((await post(server, '/api/simulation/reset')).status, 503, 'nor a reset')

  // The clock runs at 60×: the checkpoint timer fails once a second, and the process stays up.
  await sleep(1500)
  const health = await get(server, '/api/health')
  t.equal(health.status, 200)
  t.match(health.body, { status: 'degraded', reasons: [{ code: 'JOURNAL_UNAVAILABLE', message: /journal\.ndjson/ }] })
  t.match(server.output(), /journal: cannot be written/, 'and the log says so')

  fs.rmdirSync(file)
  fs.renameSync(`${file}.away`, file)
  await ok(server, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  t.same((await get(server, '/api/health')).body, { status: 'ok' }, 'healthy again at the next write')
  await ok(server, '/api/simulation/clock', { speed: 0 })
  const state = JSON.stringify((await get(server, '/api/simulation/state')).body)
  await server.restart('SIGKILL')
  t.equal(JSON.stringify((await get(server, '/api/simulation/state')).body), state, 'what was accepted after the recovery was recorded')
})

/** The catch-up a subscription with `lastSeq` answers, its parts joined (`complete` is the final part's). */
async function catchUp(s: Server, topics: string[], lastSeq: number): Promise<{ complete: boolean; events: StreamEvent[] }> {
  const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws')
  try {
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    const events: StreamEvent[] = []
    const reply = new Promise<{ complete: boolean; events: StreamEvent[] }>((resolve) =>
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(String(d))
        if (m.type !== 'catchup') return
        events.push(...m.events)
        if (m.final !== false) resolve({ complete: m.complete, events })
      }),
    )
    ws.send(JSON.stringify({ type: 'subscribe', topics, lastSeq }))
    return await reply
  } finally {
    ws.terminate()
  }
}

t.test('kill -9 shortly after a reset: catch-up from before it is incomplete, from after it complete and exact', async (t) => {
  const STREAM = 'api.request.log'
  const dir = stateDir(t)
  const server = await start(t, dir)
  await ok(server, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  await sleep(1000)
  const seen = (await get(server, '/api/simulation/events?limit=1')).body.events[0].seq as number
  await sleep(500)
  await ok(server, '/api/simulation/reset')
  // Well within five simulated minutes at 60×; paused so the restart resumes exactly here.
  await sleep(1000)
  await ok(server, '/api/simulation/clock', { speed: 0 })
  const reset = linesOf(journalOf(dir)).map((l) => JSON.parse(l.slice(9))).find((r) => r.type === 'reset')
  const after = ((await get(server, `/api/simulation/events?stream=${STREAM}&limit=1000`)).body.events as StreamEvent[]).filter((e) => e.seq! > reset.seq)
  t.ok(after.length >= 4, `${after.length} events of ${STREAM} since the reset`)
  await server.restart('SIGKILL')

  const all = await catchUp(server, ['*'], seen)
  t.equal(all.complete, false, `from seq ${seen}, before the reset (seq ${reset.seq}): what the restart did not re-emit is missing, and it says so`)
  t.equal((await catchUp(server, [STREAM], seen)).complete, false, 'one stream\'s catch-up from there too')
  const mid = after[Math.floor(after.length / 2)]!.seq!
  const since = await catchUp(server, [STREAM], mid)
  t.equal(since.complete, true, `from seq ${mid}, after the reset: complete`)
  t.same(since.events, after.filter((e) => e.seq! > mid), 'and exactly the events the client had not seen, as they were before the crash')
})
