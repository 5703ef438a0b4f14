/**
 * Deploying as Railway documents it (no Docker engine here, so the files are read, and the
 * parts that run, the entrypoint and the boot check, are run): no VOLUME in the Dockerfile,
 * an entrypoint that hands a root-owned data directory to the server's user, and a boot that
 * says plainly when the journal's directory cannot be written.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { stateDirProblem } from '../server/src/journal/writable.js'
import { ROOT_DIR } from './helpers.js'

const NOBODY = 65534
const root = process.getuid?.() === 0
/**
 * Node as another user, without tap's process-info loader (which tap adds to NODE_OPTIONS of
 * every child, and which would write into the repository as that user).
 */
const asNobody = (args: string[], options: object = {}) =>
  spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, ...args], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', ...options })

/** The Dockerfile's instructions (continuations joined, comments dropped), as [KEYWORD, rest]. */
function instructions(): Array<[string, string]> {
  const text = fs.readFileSync(path.join(ROOT_DIR, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [k, ...rest] = l.split(/\s+/)
      return [k!.toUpperCase(), rest.join(' ')]
    })
}

function tmp(t: { teardown(fn: () => unknown): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('the Dockerfile has no VOLUME (Railway refuses it) and starts through the entrypoint, as root', async (t) => {
  const ins = instructions()
  t.ok(ins.length > 10, 'the Dockerfile was read')
  t.same(ins.filter(([k]) => k === 'VOLUME'), [], 'no VOLUME instruction')
  const runtime = ins.slice(ins.map(([k]) => k).lastIndexOf('FROM'))
  t.same(runtime.filter(([k]) => k === 'USER'), [], 'no USER in the runtime stage: the entrypoint drops root itself')
  t.same(runtime.find(([k]) => k === 'ENTRYPOINT'), ['ENTRYPOINT', '["/app/scripts/docker-entrypoint.sh"]'])
  t.ok(runtime.some(([k, rest]) => k === 'COPY' && rest.includes('/app/scripts/docker-entrypoint.sh')), 'the entrypoint is copied into the image')
  t.ok(fs.statSync(path.join(ROOT_DIR, 'scripts/docker-entrypoint.sh')).mode & 0o111, 'and is executable')
  t.ok(runtime.some(([k, rest]) => k === 'ENV' && /\bSTATE_DIR=\/app\/data\b/.test(rest)), 'the journal goes to /app/data, where the volume is attached')
  const toml = fs.readFileSync(path.join(ROOT_DIR, 'railway.toml'), 'utf8')
  t.match(toml, /builder = "DOCKERFILE"/)
  t.match(toml, /healthcheckPath = "\/api\/health"/)
})

t.test('the boot check: a writable directory passes; one that cannot be written is named with what to do', async (t) => {
  const dir = tmp(t)
  t.equal(stateDirProblem(path.join(dir, 'data')), undefined, 'writable (created if missing)')
  t.same(fs.readdirSync(path.join(dir, 'data')), [], 'and the probe file is gone')
  const file = path.join(dir, 'a-file')
  fs.writeFileSync(file, '')
  t.match(stateDirProblem(path.join(file, 'below')), /^STATE_DIR=.*a-file\/below cannot be written by this process \(uid \d+\) \(ENOTDIR: not a directory.*\); or set STATE_DIR=:memory: to run without a journal/)
  if (!root) {
    // One's own directory without write permission (root would write it anyway: the next test).
    const locked = path.join(dir, 'locked')
    fs.mkdirSync(locked, { mode: 0o555 })
    t.match(stateDirProblem(locked), /cannot be written by this process \(uid \d+\) \(EACCES: .*\); or set STATE_DIR=:memory:/)
  }
})

t.test('a root-owned directory, as the server user sees it: owner, cause and the Railway fixes in one message', { skip: !root && 'needs root to act as another user' }, async (t) => {
  const dir = tmp(t) // root's, mode 0700
  const check = asNobody([
    '--input-type=module',
    '-e',
    `import { stateDirProblem } from ${JSON.stringify(path.join(ROOT_DIR, 'server/dist/journal/writable.js'))}; console.log(stateDirProblem(${JSON.stringify(dir)}))`,
  ])
  t.equal(check.status, 0, check.stderr)
  t.match(check.stdout, `STATE_DIR=${dir} cannot be written by this process (uid ${NOBODY}) (EACCES: permission denied`)
  t.match(check.stdout, /it is owned by uid 0; a volume mounted by the platform .* start the container as root, so its entrypoint hands the directory to the node user .* RAILWAY_RUN_UID=0; or set STATE_DIR=:memory:/)

  // The real server, run as that user: it stops at boot with that message, no stack.
  const boot = asNobody([path.join(ROOT_DIR, 'server/dist/server.js')], {
    cwd: ROOT_DIR,
    env: { ...process.env, STATE_DIR: dir, PORT: '0', HOST: '127.0.0.1', SIM_HISTORY_DAYS: '1', LOG_LEVEL: 'warn' },
    timeout: 60_000,
  })
  t.equal(boot.status, 1, 'exit 1')
  t.match(boot.stderr, new RegExp(`^Cannot start: STATE_DIR=${dir} cannot be written by this process \\(uid ${NOBODY}\\).*RAILWAY_RUN_UID=0`))
  t.notMatch(boot.stderr, /\n\s+at /, 'no stack trace')
})

t.test('the entrypoint, started as root, hands the data directory to the server user and drops root', { skip: !root && 'needs root' }, async (t) => {
  const parent = tmp(t)
  fs.chmodSync(parent, 0o755) // as /app is: the user may pass through to the volume
  const dir = path.join(parent, 'volume')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'journal.ndjson'), '') // from an earlier run as root
  const r = spawnSync('sh', [path.join(ROOT_DIR, 'scripts/docker-entrypoint.sh'), 'sh', '-c', 'id -u; id -g; touch "$STATE_DIR/written"'], {
    env: { ...process.env, STATE_DIR: dir, APP_USER: 'nobody' },
    encoding: 'utf8',
  })
  t.equal(r.status, 0, r.stderr)
  const [uid] = r.stdout.split('\n')
  t.equal(Number(uid), NOBODY, 'the command runs as the server user, not root')
  t.equal(fs.statSync(dir).uid, NOBODY, 'the directory is theirs')
  t.equal(fs.statSync(path.join(dir, 'journal.ndjson')).uid, NOBODY, 'and the files in it')
  t.ok(fs.existsSync(path.join(dir, 'written')), 'so the server can write there')
  const memory = spawnSync('sh', [path.join(ROOT_DIR, 'scripts/docker-entrypoint.sh'), 'id', '-u'], { env: { ...process.env, STATE_DIR: ':memory:', APP_USER: 'nobody' }, encoding: 'utf8' })
  t.equal(Number(memory.stdout.trim()), NOBODY, 'without a journal it still drops root')
})

t.test('the entrypoint, started as another user, changes nothing and runs the command as that user', async (t) => {
  const dir = tmp(t)
  const opts = root ? { uid: NOBODY, gid: NOBODY } : {}
  const r = spawnSync('sh', [path.join(ROOT_DIR, 'scripts/docker-entrypoint.sh'), 'id', '-u'], { ...opts, env: { ...process.env, STATE_DIR: path.join(dir, 'data') }, encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  t.equal(Number(r.stdout.trim()), root ? NOBODY : process.getuid?.())
  t.notOk(fs.existsSync(path.join(dir, 'data')), 'it did not touch STATE_DIR')
})
