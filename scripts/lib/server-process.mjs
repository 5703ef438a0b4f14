/**
 * The built server as a child process, for browser tests and the scripts that drive a browser.
 * A real process (not buildApp in-process) so the page sees exactly what a deployment serves,
 * and so a test can kill it and start it again on the same port to exercise reconnects.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SERVER_JS = path.join(ROOT, 'server/dist/server.js')

/** A fixed, small world: the same events every run, and a boot of a second or two. */
export const SMALL_WORLD = {
  SIM_SEED: '42',
  // No journal: each run is a fresh world (a test of restarts passes its own STATE_DIR).
  STATE_DIR: ':memory:',
  SIM_START: '2026-11-26T08:00:00Z',
  SIM_HISTORY_DAYS: '2',
  LOG_LEVEL: 'warn',
}

/**
 * The allocator settings the image runs with (the Dockerfile's `ENV MALLOC_…`), for a process
 * whose memory is measured as deployed (the memory test, the soak).
 */
export function deployedMallocEnv() {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
  return Object.fromEntries([...dockerfile.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]))
}

/** A port nothing listens on right now (the OS picks it; a tiny race with other processes remains). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const OUTPUT_TAIL = 64 * 1024

/**
 * Start `node server/dist/server.js` on 127.0.0.1 and resolve once GET /api/health is 200
 * (it is 503 while history is generated). `env` adds to or overrides SMALL_WORLD.
 */
export async function startServer({ env = {}, port, readyTimeoutMs = 60_000 } = {}) {
  if (!fs.existsSync(SERVER_JS)) throw new Error(`${path.relative(ROOT, SERVER_JS)} is missing: run \`npm run build\` first`)
  port ??= await freePort()
  const url = `http://127.0.0.1:${port}`
  let child
  let exited // resolves with { code, signal } when the current child ends
  let output = ''

  async function launch() {
    output = ''
    child = spawn(process.execPath, [SERVER_JS], {
      cwd: ROOT,
      env: { ...process.env, ...SMALL_WORLD, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Keep the tail of what it prints (warnings and up at LOG_LEVEL=warn) for error messages.
    const keep = (d) => (output = (output + d).slice(-OUTPUT_TAIL))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    // A script that dies or calls process.exit must not leave a server holding the port.
    const orphanGuard = () => child.kill('SIGKILL')
    process.once('exit', orphanGuard)
    exited.then(() => process.off('exit', orphanGuard))

    const deadline = Date.now() + readyTimeoutMs
    let early
    exited.then((e) => (early = e))
    for (;;) {
      if (early) throw new Error(`server exited (${early.signal ?? 'code ' + early.code}) before it was ready:\n${output}`)
      try {
        if ((await fetch(`${url}/api/health`)).status === 200) return
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`server not healthy after ${readyTimeoutMs} ms:\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** SIGTERM (graceful close) by default; SIGKILL after 5 s or at once if asked, to mimic a crash. */
  async function stop(signal = 'SIGTERM') {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.kill(signal)
    await exited
    clearTimeout(force)
  }

  await launch()
  return {
    url,
    port,
    get pid() {
      return child.pid
    },
    output: () => output,
    stop,
    /** Stop, then start a new process on the same port, so an open page can reconnect. */
    async restart(signal = 'SIGTERM') {
      await stop(signal)
      await launch()
    },
  }
}
