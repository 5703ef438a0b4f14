/**
 * Benchmark suites (config/suites/NAME.json): a seed, a start, a window and a schedule of
 * scenarios (and the threshold and interval to label with), so a dataset or a score is the
 * same on any machine. Read by the export (`--suite`) and the score endpoint (`suite`).
 */
import fs from 'node:fs'
import path from 'node:path'

export interface Suite {
  id: string
  description?: string
  seed: number
  start: string
  historyDays: number
  from: string
  to: string
  scenarios: Array<{ id: string; at: string }>
  threshold?: number
  interval?: string
}

/** Names of the suites in a config directory. */
export function suiteNames(configDir: string): string[] {
  const dir = path.join(configDir, 'suites')
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : []
}

/** The suite of that name, or undefined (names are plain: no path can be smuggled in). */
export function readSuite(configDir: string, name: string): Suite | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined
  const file = path.join(configDir, 'suites', `${name}.json`)
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Suite) : undefined
}
