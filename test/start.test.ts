/**
 * `npm start` as a newcomer runs it (scripts/start.mjs, the real process): it says it is
 * listening but not ready, shows the history build, and ends with one line naming where to
 * go, printed only once the server really is ready. Health probes answered 503 meanwhile are
 * info lines without a stack.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import t from 'tap'
import { ROOT_DIR } from './helpers.js'
import { freePort } from '../scripts/lib/server-process.mjs'

type Line = { level: number; msg: string; [k: string]: unknown }

t.test('npm start logs its progress, then one ready line whose URLs answer at once', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT_DIR, 'scripts/start.mjs')], {
    cwd: ROOT_DIR,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', STATE_DIR: ':memory:', SIM_HISTORY_DAYS: '3', SIM_SEED: '42' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const lines: Line[] = []
  let onReady!: (l: Line) => void
  const readyLine = new Promise<Line>((r) => (onReady = r))
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    if (!text.startsWith('{')) return // a stale package's build output ([start] lines)
    const l = JSON.parse(text) as Line
    lines.push(l)
    if (l.msg.startsWith('ready:')) onReady(l)
  })

  // Probe health as a platform does, until the ready line is out.
  let done = false
  const probed: number[] = []
  const probing = (async () => {
    while (!done) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`)
        await res.arrayBuffer()
        probed.push(res.status)
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const ready = await Promise.race([
    readyLine,
    new Promise<never>((_, j) => child.once('exit', (code) => j(new Error(`start.mjs exited (${code}) before its ready line:\n${stderr}`)))),
  ])
  // Asked right after the line: it must already hold.
  const base = `http://127.0.0.1:${port}`
  t.match(ready, { console: `${base}/admin`, docs: `${base}/docs`, websocket: `ws://127.0.0.1:${port}/ws`, health: `${base}/api/health` }, 'the URLs, as fields')
  t.equal(ready.msg, `ready: console ${base}/admin · docs ${base}/docs · WebSocket ws://127.0.0.1:${port}/ws · health ${base}/api/health`)
  t.equal((await fetch(ready.health as string)).status, 200, 'health is 200 the moment ready is said')
  t.equal((await fetch(ready.console as string)).status, 200, 'the console opens')
  t.equal((await fetch(ready.docs as string)).status, 200, 'the docs open')
  done = true
  await probing

  const msgs = lines.map((l) => l.msg)
  const at = (re: RegExp) => msgs.findIndex((m) => re.test(m))
  t.ok(at(/^listening on http:\/\/127\.0\.0\.1:\d+; not ready yet/) >= 0, 'listening, said not to be ready')
  t.notOk(msgs.some((m) => m.startsWith('Server listening')), 'not Fastify\'s "Server listening", which reads as ready')
  t.ok(at(/^listening/) < at(/^history: building 3 days/), 'then the history build')
  t.ok(at(/^history: building/) < at(/^history: 3 of 3 days built \(100%\)/), 'with its progress to 100%')
  t.equal(msgs.filter((m) => m.startsWith('ready:')).length, 1, 'one ready line')
  t.ok(msgs.indexOf(ready.msg) > at(/^simulation ready/), 'after the build and the catch-up to now')

  t.ok(probed.includes(503), `probes saw 503 while building (${probed.filter((s) => s === 503).length})`)
  const notReady = lines.filter((l) => l.msg === 'request' && l.statusCode === 503)
  t.ok(notReady.length > 0, 'and each is logged')
  for (const l of notReady) t.match(l, { level: 30, code: 'NOT_READY', url: '/api/health' })
  t.notOk(lines.some((l) => l.level >= 50), 'no error during a normal start')
  t.notOk(lines.some((l) => JSON.stringify(l).includes('stack')), 'no stack trace')
})
