import { computed, signal } from '@preact/signals'
import type { ClockState } from '@marketsim/shared-types'

/** Speeds the panel offers (0 pauses). */
export const SPEEDS = [0, 1, 10, 60, 600] as const

/**
 * The simulated clock as the console shows it: anchored on the last reading from the server
 * and run forward locally at its speed, so the time ticks smoothly between readings.
 */
export function createClock() {
  const anchor = signal({ simMs: Number.NaN, realMs: 0, speed: 1 })
  const info = signal<Pick<ClockState, 'seed' | 'liveStartTime' | 'historyStartTime'> | undefined>(undefined)
  /** Real time, advanced by the app's ticker (or by a test). */
  const realNow = signal(0)

  const timeAt = (realMs: number) => {
    const a = anchor.value
    return a.simMs + Math.max(0, realMs - a.realMs) * a.speed
  }
  const simNow = computed(() => timeAt(realNow.value))
  const speed = computed(() => anchor.value.speed)

  return {
    anchor,
    info,
    realNow,
    simNow,
    speed,
    timeAt,
    /** A full clock reading (GET/POST /api/simulation/clock). */
    sync(c: ClockState, realMs: number) {
      anchor.value = { simMs: Date.parse(c.currentSimulationTime), realMs, speed: c.speed }
      info.value = { seed: c.seed, liveStartTime: c.liveStartTime, historyStartTime: c.historyStartTime }
      realNow.value = realMs
    },
    /** A time reading without speed (a pulse): keeps the speed, never runs the shown time backwards by jitter. */
    syncTime(iso: string, realMs: number) {
      const simMs = Date.parse(iso)
      const a = anchor.value
      if (Number.isNaN(a.simMs) || Math.abs(timeAt(realMs) - simMs) > Math.max(2000, a.speed * 1500)) {
        anchor.value = { ...a, simMs, realMs }
      } else if (simMs > timeAt(realMs)) anchor.value = { ...a, simMs, realMs }
      realNow.value = realMs
    },
  }
}
export type Clock = ReturnType<typeof createClock>
