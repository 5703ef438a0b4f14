/**
 * A labelled dataset as a folder, in the layout anomaly-detection benchmarks use: one CSV per
 * stream (`timestamp,value,is_anomaly`), `windows.json` in NAB's combined_windows shape
 * (`{ "<file>": [["start", "end"], …] }`, overlapping windows of a stream merged), and a README
 * naming the world (seed, start, history), its scenario runs and the thresholds, so anyone can
 * regenerate it.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Simulation } from '../sim/simulation.js'
import { formatIso } from '../sim/payload.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import { labelledCsv } from './labels.js'
import { WINDOW_CONVENTION, windowsOf } from './windows.js'

export interface DatasetSpec {
  fromMs: number
  toMs: number
  streams: string[]
  threshold: number
  intervalMs: number
  /** The command line that makes it again. */
  command: string
}

const fileOf = (stream: string) => `${stream}.csv`

export function writeDataset(dir: string, sim: Simulation, spec: DatasetSpec): { files: number; windows: number } {
  fs.mkdirSync(dir, { recursive: true })
  const watched = new Set(spec.streams)
  const windows = windowsOf(groundTruth(sim, spec.fromMs, spec.toMs), spec.threshold, watched)
  const combined: Record<string, Array<[string, string]>> = {}
  for (const stream of spec.streams) {
    fs.writeFileSync(path.join(dir, fileOf(stream)), labelledCsv(sim, stream, spec.fromMs, spec.toMs, spec.intervalMs, windows))
    const spans = windows
      .filter((w) => w.stream === stream)
      .map((w) => [Date.parse(w.start), Date.parse(w.end)] as [number, number])
      .sort((a, b) => a[0] - b[0])
    const merged: Array<[number, number]> = []
    for (const s of spans) {
      const last = merged[merged.length - 1]
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1])
      else merged.push([...s])
    }
    combined[fileOf(stream)] = merged.map(([a, b]) => [formatIso(a), formatIso(b)])
  }
  fs.writeFileSync(path.join(dir, 'windows.json'), JSON.stringify(combined, null, 2) + '\n')
  const runs = sim.effects.runs.map((c) => `- ${c.run.def.id} (${c.run.id}) from ${formatIso(c.run.startMs)}${c.run.stoppedAt !== undefined ? `, stopped ${formatIso(c.run.stoppedAt)}` : ''}`)
  const o = sim.options
  const readme = [
    'Labelled dataset from the marketplace simulator',
    '',
    `Window: ${formatIso(spec.fromMs)} to ${formatIso(spec.toMs)}, every ${spec.intervalMs / 60_000} minutes, ${spec.streams.length} streams (one CSV each: timestamp,value,is_anomaly).`,
    `World: seed ${o.seed}, live start ${formatIso(o.startMs)}, ${o.historyDays} days of history; background events and random anomalies on.`,
    `Scenario runs:${runs.length ? '\n' + runs.join('\n') : ' none'}`,
    `Threshold: a window where a stream's expected count moves by more than ${spec.threshold} (|ratio - 1|).`,
    `Windows: ${WINDOW_CONVENTION}`,
    '',
    `Made again, identically, by: ${spec.command}`,
    '',
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'README'), readme)
  return { files: spec.streams.length, windows: windows.length }
}
