/**
 * Build whatever is missing or older than its sources (npm start, npm run export). On a fresh
 * clone that means a full build; in the Docker image (built already, no dev dependencies and
 * no sources) nothing is rebuilt.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function newest(p) {
  let st
  try {
    st = fs.statSync(p)
  } catch {
    return 0
  }
  if (!st.isDirectory()) return st.mtimeMs
  let t = 0
  for (const e of fs.readdirSync(p)) if (e !== 'node_modules' && e !== 'dist') t = Math.max(t, newest(path.join(p, e)))
  return t
}

// tsc -b rewrites only the outputs that change; its build info is written on every build.
const PACKAGES = [
  { ws: 'shared-types', sources: ['src', 'tsconfig.json', 'package.json'], output: 'dist/.tsbuildinfo' },
  { ws: 'server', sources: ['src', 'tsconfig.json', 'package.json'], output: 'dist/.tsbuildinfo' },
  { ws: 'admin-ui', sources: ['src', 'index.html', 'vite.config.ts', 'package.json'], output: 'dist/index.html' },
]

/**
 * Rebuild the named workspaces (in dependency order) that are stale; exits the process when a
 * build fails. `quietStdout` sends the build's output to stderr, for a tool whose stdout is data.
 */
export function buildIfStale({ only = PACKAGES.map((p) => p.ws), tag, quietStdout = false } = {}) {
  let upstreamRebuilt = false
  for (const pkg of PACKAGES.filter((p) => only.includes(p.ws))) {
    const dir = path.join(ROOT, pkg.ws)
    // A deployed image carries only build output: nothing to build from, nothing to check.
    if (!fs.existsSync(path.join(dir, 'src'))) continue
    const out = path.join(dir, pkg.output)
    const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0
    const src = Math.max(...pkg.sources.map((s) => newest(path.join(dir, s))))
    if (built && built >= src && !upstreamRebuilt) continue
    const say = quietStdout ? console.error : console.log
    say(`[${tag}] building ${pkg.ws}${built ? ' (sources changed)' : ' (first build)'}…`)
    const stdio = quietStdout ? ['ignore', process.stderr, process.stderr] : 'inherit'
    const t0 = performance.now()
    const r = spawnSync('npm', ['run', 'build', '--workspace', pkg.ws], { cwd: ROOT, stdio })
    if (r.status !== 0) {
      console.error(`[${tag}] building ${pkg.ws} failed (exit ${r.status ?? r.signal}); see above`)
      process.exit(r.status ?? 1)
    }
    say(`[${tag}] built ${pkg.ws} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    upstreamRebuilt ||= pkg.ws === 'shared-types'
  }
}
