/** The real process: `node server/dist/server.js` as `npm start` runs it, on a free port. */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import t from 'tap'
import { ROOT_DIR, appWithSlowRoute } from './helpers.js'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

async function waitFor(url: string, deadlineMs = 20_000): Promise<Response> {
  const until = Date.now() + deadlineMs
  for (;;) {
    try {
      const res = await fetch(url)
      if (res.status === 200) return res
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`${url} never answered 200`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

t.test('the server serves /api/health, /docs and /admin, and exits cleanly on SIGTERM', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT_DIR, 'server/dist/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', STATE_DIR: ':memory:' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = exitOf(child)
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const base = `http://127.0.0.1:${port}`
  t.same(await (await waitFor(`${base}/api/health`)).json(), { status: 'ok' })
  const docs = await fetch(`${base}/docs/`)
  t.equal(docs.status, 200)
  t.match(await docs.text(), /swagger/i)
  const admin = await fetch(`${base}/admin/`)
  t.equal(admin.status, 200)
  t.match(await admin.text(), /<div id="app">/)
  const deep = await fetch(`${base}/admin/scenarios/exam-season-surge`)
  t.equal(deep.status, 200, 'deep links fall back to the SPA')

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM exits with 0')
  await t.rejects(fetch(`${base}/api/health`), 'the port is released')
})

t.test('while the history is built the listening server answers 503 NOT_READY, then 200', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT_DIR, 'server/dist/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SIM_HISTORY_DAYS: '30', STATE_DIR: ':memory:' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const seen: number[] = []
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`)
      seen.push(res.status)
      if (res.status === 503) t.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_READY')
      else await res.arrayBuffer()
      if (res.status === 200) break
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  t.ok(seen.includes(503), `answered 503 while building (${seen.filter((s) => s === 503).length} times)`)
  t.equal(seen.at(-1), 200, 'then 200')
})

t.test('closing lets an in-flight request finish', async (t) => {
  const { app, inside, release } = await appWithSlowRoute(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const pending = fetch(`http://127.0.0.1:${port}/slow`)
  await inside
  const closed = app.close()
  release()
  const res = await pending
  t.equal(res.status, 200)
  t.same(await res.json(), { done: true })
  await closed
})
