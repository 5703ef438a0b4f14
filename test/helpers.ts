/** Shared test helpers: a fresh app per test, closed in teardown, and schema assertions. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TSchema } from '@sinclair/typebox'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { buildApp, type AppOptions } from '../server/src/app.js'
import { DEFAULT_CONFIG_DIR, ROOT_DIR } from '../server/src/paths.js'

export { ROOT_DIR }

interface Teardown {
  teardown(fn: () => unknown): void
}

/** A fixed live start, so tests see the same world every run. */
export const TEST_START = Date.parse('2026-11-26T08:00:00Z')

/**
 * A fresh app on a small world (one day of history) whose clock only moves when the test
 * moves it: no tick timer, so nothing depends on wall-clock speed.
 */
export async function build(t: Teardown, options: AppOptions = {}) {
  const app = await buildApp({
    ...options,
    simulation: { historyDays: 1, tickMs: 0, startMs: TEST_START, ...options.simulation },
  })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

export const iso = (ms: number) => new Date(ms).toISOString()

/** A fresh app on three days of history whose live world has run ten minutes past its start. */
export async function liveApp(t: Teardown) {
  const app = await build(t, { simulation: { historyDays: 3 } })
  app.simulation.sim.advanceTo(TEST_START + 10 * 60_000)
  return app
}

// The API's timestamps are ISO-8601 date-times; TypeBox checks formats only when told how.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)))
}

/** Every schema violation of `value`, as readable lines (empty when it conforms). */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].map((e) => `${e.path}: ${e.message}`)
}

/** A private copy of config/ that a test may break. */
export function copyConfig(t: Teardown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simcfg-'))
  fs.cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true })
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Read, change and write back one JSON file of a config copy. */
export function editJson(dir: string, rel: string, change: (json: any) => void): void {
  const file = path.join(dir, rel)
  const json = JSON.parse(fs.readFileSync(file, 'utf8'))
  change(json)
  fs.writeFileSync(file, JSON.stringify(json, null, 2))
}

/**
 * A fresh app (not yet ready, so a test may add routes) with GET /slow, which answers only when
 * the test calls `release()`; `inside` resolves once a request is in its handler.
 */
export async function appWithSlowRoute(t: Teardown) {
  const app = await buildApp({ simulation: { historyDays: 1, tickMs: 0, startMs: TEST_START } })
  t.teardown(() => app.close())
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  let entered!: () => void
  const inside = new Promise<void>((r) => (entered = r))
  app.get('/slow', async () => {
    entered()
    await gate
    return { done: true }
  })
  return { app, inside, release }
}
