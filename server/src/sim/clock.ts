/**
 * The virtual clock: simulated time runs at `speed` × real time from an anchor. Pure: the
 * caller passes the real time (ms from any monotonic source), so tests drive it directly.
 */
export class VirtualClock {
  private simAnchor: number
  private realAnchor: number
  private currentSpeed: number

  constructor(simStart: number, realNow: number, speed = 1) {
    this.simAnchor = simStart
    this.realAnchor = realNow
    this.currentSpeed = speed
  }

  get speed(): number {
    return this.currentSpeed
  }

  now(realNow: number): number {
    return this.simAnchor + (realNow - this.realAnchor) * this.currentSpeed
  }

  /** Change speed from now on (0 pauses); simulated time does not jump. */
  setSpeed(realNow: number, speed: number): void {
    this.simAnchor = this.now(realNow)
    this.realAnchor = realNow
    this.currentSpeed = speed
  }

  /** Hold simulated time at `sim` (when the world falls behind, the clock waits for it). */
  rebase(realNow: number, sim: number): void {
    this.simAnchor = sim
    this.realAnchor = realNow
  }
}
