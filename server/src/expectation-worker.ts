/**
 * Runs a world's mean-field expectation pass on a worker thread. The pass depends only on the
 * config and the options, so the server starts it first thing and lets the other core compute
 * it while this one loads Fastify; the world then takes it over instead of computing it on
 * the way to ready (about 0.2 s of a full-volume build). Any failure just means the world
 * computes it itself.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import type { ExpectationState } from './sim/expectation.js'

export interface ExpectationInput {
  configDir: string
  startMs: number
  historyDays: number
}

/** Start the pass on a worker; resolves with its result, or undefined if it failed. */
export function precomputeExpectation(input: ExpectationInput): Promise<ExpectationState | undefined> {
  return new Promise((resolve) => {
    let worker: Worker
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: input })
    } catch {
      return resolve(undefined)
    }
    worker.once('message', (state: ExpectationState) => {
      resolve(state)
      void worker.terminate()
    })
    worker.once('error', () => resolve(undefined))
    worker.once('exit', () => resolve(undefined))
  })
}

if (!isMainThread && parentPort) {
  // Imported here so the main thread pays nothing for them when it only starts the worker.
  const [{ loadConfig }, { Engine }, { DAY }] = await Promise.all([import('./config/load.js'), import('./sim/engine.js'), import('./sim/time.js')])
  const { configDir, startMs, historyDays } = workerData as ExpectationInput
  const engine = new Engine(loadConfig(configDir), { seed: 0, startMs, historyDays })
  // As far as the build takes it (Simulation.buildSteps ensures the live start plus a day).
  engine.expectation.ensure(startMs + DAY)
  const state = engine.expectation.snapshot(engine.expectationKey())
  const buffers = [...state.mass, ...state.diff, ...state.prefix, state.running].map((a) => a.buffer)
  parentPort.postMessage(state, buffers)
}
