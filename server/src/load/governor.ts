/**
 * Load shedding for the simulation tick. The world's work per tick is bounded by a budget;
 * everything it produces (fan-out to every client, pushes) costs more event-loop time on top.
 * Once a second the governor reads how busy the event loop was, and how late it ran, and
 * halves the budget when the loop is saturated, or lets it grow back when there is room.
 * The world then runs slower than its clock asks (shown as the effective speed), and health
 * checks, handshakes and every other request keep getting the loop within a second.
 */

export interface LoopReading {
  /** Share of the last interval the event loop was busy (0-1). */
  utilization: number
  /** 99th percentile of the event loop's delay over the last interval (ms). */
  delayP99Ms: number
}

export const MAX_BUDGET_MS = 40
export const MIN_BUDGET_MS = 2
/** Past these the loop is saturated: requests wait behind simulation work. */
const BUSY = 0.9
const LATE_MS = 200
/** Under these there is room to simulate more. */
const IDLE = 0.7
const ON_TIME_MS = 80

export class Governor {
  budgetMs = MAX_BUDGET_MS
  /** The last reading, for the health report and metrics. */
  last: LoopReading = { utilization: 0, delayP99Ms: 0 }

  /** Adjust the budget to the last interval's reading; true while it holds the world back. */
  observe(r: LoopReading): boolean {
    this.last = r
    if (r.utilization > BUSY || r.delayP99Ms > LATE_MS) this.budgetMs = Math.max(MIN_BUDGET_MS, this.budgetMs / 2)
    else if (r.utilization < IDLE && r.delayP99Ms < ON_TIME_MS) this.budgetMs = Math.min(MAX_BUDGET_MS, this.budgetMs * 1.5)
    return this.shedding
  }

  get shedding(): boolean {
    return this.budgetMs < MAX_BUDGET_MS
  }

  /** What health says while shedding holds the world below the speed its clock asks for. */
  overload(speed: number, effective: number | undefined): string | undefined {
    if (!this.shedding || !(speed > 0) || effective === undefined || effective >= 0.95 * speed) return undefined
    const { utilization, delayP99Ms } = this.last
    return (
      `the world runs at ${effective.toFixed(1)}× of the requested ${speed}× to keep requests answered ` +
      `(event loop ${Math.round(utilization * 100)}% busy, p99 delay ${Math.round(delayP99Ms)} ms)`
    )
  }
}
