/** The admin bundle as served: its gzipped size against the budget the issue sets. */
import fs from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { ROOT } from './server-process.mjs'

export const JS_BUDGET_KB = 60
export const ASSETS_DIR = path.join(ROOT, 'admin-ui/dist/assets')

/** Summed gzip -9 sizes, in KB, of the built assets with this extension (each file as served). */
export function gzippedKb(ext) {
  if (!fs.existsSync(ASSETS_DIR)) throw new Error('admin-ui/dist/assets is missing: run `npm run build` first')
  return (
    fs
      .readdirSync(ASSETS_DIR)
      .filter((f) => f.endsWith(ext))
      .reduce((sum, f) => sum + gzipSync(fs.readFileSync(path.join(ASSETS_DIR, f)), { level: 9 }).length, 0) / 1024
  )
}
