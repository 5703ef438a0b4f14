/**
 * A real Redis for a test: Debian's `redis-server`, started on a free port with no persistence
 * in a temporary directory, stopped in teardown. A machine without it fails the test and says
 * what to install; it never skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'

const BINARY = 'redis-server'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export interface RedisProcess {
  url: string
  port: number
  /** Stop it (a crash, or a restart with `start()` on the same port). */
  stop(): Promise<void>
  start(): Promise<void>
}

/** Start a Redis for this test (and stop it when the test ends). */
export async function startRedis(t: Test): Promise<RedisProcess> {
  if (spawnSync(BINARY, ['--version']).error) {
    throw new Error(`${BINARY} is not installed: install Debian's redis-server (apt-get install -y redis-server); .ci/run does`)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'marketsim-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not become ready on port ${port}: ${out}`)), 10_000)
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child!.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited (${code}): ${out}`))
      })
    })
    child.removeAllListeners('exit')
  }
  const stop = async () => {
    const c = child
    child = undefined
    if (!c || c.exitCode !== null) return
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve())
      c.kill('SIGKILL')
    })
  }
  await start()
  t.teardown(async () => {
    await stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}
