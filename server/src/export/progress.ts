/**
 * What the export says on stderr: a progress bar redrawn in place when stderr is a terminal,
 * and one summary line at the end in any case (a log file gets no carriage-return noise).
 */
import { formatIso } from '../sim/payload.js'
import type { Progress } from './window.js'

const WIDTH = 24

export const count = (n: number) => Math.round(n).toLocaleString('en-US')

/** One bar line: simulated progress, events written, their rate, the simulated time reached. */
export function progressLine(p: Progress, elapsedMs: number): string {
  const share = p.total > 0 ? Math.min(1, p.done / p.total) : 1
  const filled = Math.round(share * WIDTH)
  const rate = elapsedMs > 0 ? (p.events * 1000) / elapsedMs : 0
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${formatIso(p.at)}  ${count(p.events)} events  ${count(rate)}/s`
}

export interface Summary {
  events: number
  truth: number | undefined
  target: string
  totalMs: number
  /** Wall time from the first event written to the last. */
  writeMs: number
}

export function summaryLine(s: Summary): string {
  const rate = s.writeMs > 0 ? `, ${count((s.events * 1000) / s.writeMs)} events/s while writing` : ''
  const truth = s.truth === undefined ? '' : ` and ${count(s.truth)} ground-truth effects`
  return `export: ${count(s.events)} events${truth} to ${s.target} in ${(s.totalMs / 1000).toFixed(1)} s${rate}`
}
