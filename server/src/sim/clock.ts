/**
 * The virtual clock: simulated time runs at `speed` × wall time from an anchor. Pure: the
 * caller passes the wall time (ms), so tests drive it directly, and a clock anchored at the
 * same point (a journal record) reads the same in every process.
 */
export class VirtualClock {
  private simAnchor: number
  private wallAnchor: number
  private currentSpeed: number

  constructor(simAt: number, wallAt: number, speed = 1) {
    this.simAnchor = simAt
    this.wallAnchor = wallAt
    this.currentSpeed = speed
  }

  get speed(): number {
    return this.currentSpeed
  }

  now(wall: number): number {
    return this.simAnchor + (wall - this.wallAnchor) * this.currentSpeed
  }

  /** Simulated minus wall time at `wall`: 0 for a live clock at 1×. */
  offset(wall: number): number {
    return this.now(wall) - wall
  }

  /** Change speed from now on (0 pauses); simulated time does not jump. */
  setSpeed(wall: number, speed: number): void {
    this.simAnchor = this.now(wall)
    this.wallAnchor = wall
    this.currentSpeed = speed
  }

  /** Hold simulated time at `sim` (when the world falls behind, the clock waits for it). */
  rebase(wall: number, sim: number): void {
    this.simAnchor = sim
    this.wallAnchor = wall
  }
}
