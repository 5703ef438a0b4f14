/**
 * The speed the world really runs at: simulated milliseconds gained per real millisecond over
 * the last few seconds, from samples the tick records. The clock's speed is what was asked
 * for; under load the world may fall short of it, and the clock state says by how much.
 */
const WINDOW_MS = 5_000

export class SpeedMeter {
  private readonly real: number[] = []
  private readonly sim: number[] = []

  record(real: number, sim: number): void {
    const n = this.real.length
    // One sample per 250 ms is plenty for a 5 s window.
    if (n > 0 && real - this.real[n - 1]! < 250) return
    this.real.push(real)
    this.sim.push(sim)
    while (this.real.length > 2 && real - this.real[1]! >= WINDOW_MS) {
      this.real.shift()
      this.sim.shift()
    }
  }

  /** Simulated per real time over the window, or undefined before a second has been seen. */
  speed(): number | undefined {
    const n = this.real.length
    if (n < 2) return undefined
    const dt = this.real[n - 1]! - this.real[0]!
    if (dt < 1_000) return undefined
    return (this.sim[n - 1]! - this.sim[0]!) / dt
  }

  /** Forget (the clock was changed: the old pace says nothing about the new one). */
  reset(): void {
    this.real.length = 0
    this.sim.length = 0
  }
}
