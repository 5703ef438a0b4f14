/**
 * A labelled series: one stream's counts per complete interval of a range, with is_anomaly 1
 * where the interval overlaps one of its windows (the layout of Yahoo S5 and NAB data files).
 */
import type { DetectorWindow } from '@marketsim/shared-types'
import type { Simulation } from '../sim/simulation.js'

export const LABELS_HEADER = 'timestamp,value,is_anomaly'

/** The series as CSV lines (header first); `interval` in ms, points from the first boundary at or after `from`. */
export function labelledCsv(sim: Simulation, stream: string, from: number, to: number, interval: number, windows: DetectorWindow[]): string {
  const s = sim.engine.model.index.get(stream)!
  const spans = windows.filter((w) => w.stream === stream).map((w) => [Date.parse(w.start), Date.parse(w.end)] as const)
  const first = Math.ceil(from / interval) * interval
  const points = first >= to ? 0 : Math.floor((to - first) / interval)
  const rows = [LABELS_HEADER]
  for (const p of sim.history(s, first, first + points * interval, interval)) {
    const a = Date.parse(p.timestamp)
    rows.push(`${p.timestamp},${p.value},${spans.some(([ws, we]) => ws < a + interval && we > a) ? 1 : 0}`)
  }
  return rows.join('\n') + '\n'
}

/** How many points such a series holds. */
export function pointsIn(from: number, to: number, interval: number): number {
  const first = Math.ceil(from / interval) * interval
  return first >= to ? 0 : Math.floor((to - first) / interval)
}
