#!/usr/bin/env node
/**
 * `npm start`: build whatever is missing or older than its sources, then run the server.
 * On a fresh clone that means a full build; in the Docker image (built already, no dev
 * dependencies) nothing is rebuilt.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

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

const packages = [
  { ws: 'shared-types', sources: ['src', 'tsconfig.json', 'package.json'], output: 'dist/index.js' },
  { ws: 'server', sources: ['src', 'tsconfig.json', 'package.json'], output: 'dist/server.js' },
  { ws: 'admin-ui', sources: ['src', 'index.html', 'vite.config.ts', 'package.json'], output: 'dist/index.html' },
]

let upstreamRebuilt = false
for (const pkg of packages) {
  const dir = path.join(root, pkg.ws)
  // A deployed image carries only build output: nothing to build from, nothing to check.
  if (!fs.existsSync(path.join(dir, 'src'))) continue
  const out = path.join(dir, pkg.output)
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0
  const src = Math.max(...pkg.sources.map((s) => newest(path.join(dir, s))))
  if (built && built >= src && !upstreamRebuilt) continue
  console.log(`[start] building ${pkg.ws}${built ? ' (sources changed)' : ''}`)
  const r = spawnSync('npm', ['run', 'build', '--workspace', pkg.ws], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
  upstreamRebuilt ||= pkg.ws === 'shared-types'
}

await import(path.join(root, 'server', 'dist', 'server.js'))
