import { computed, signal } from '@preact/signals'
import type { ClockState } from '@marketsim/shared-types'

/** How the world keeps up with its clock (the pulse's additive fields). */
export interface Pace {
  effectiveSpeed?: number
  lagMs?: number
}

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
  /** How the world keeps up, from the pulse (a server shedding load runs it slower than asked). */
  const pace = signal<Pace>({})
  /** Said when the world runs clearly slower than its clock asks, else undefined. */
  const behind = computed(() => {
    const { effectiveSpeed, lagMs } = pace.value
    const asked = anchor.value.speed
    if (effectiveSpeed === undefined || !(asked > 0) || effectiveSpeed >= 0.95 * asked) return undefined
    const lag = lagMs ? `, ${Math.round(lagMs / 1000)} simulated s behind` : ''
    return `running at ${Math.round(effectiveSpeed)}× of ${asked}×${lag}: the server is shedding load`
  })

  return {
    anchor,
    info,
    realNow,
    simNow,
    speed,
    pace,
    behind,
    timeAt,
    /** A full clock reading (GET/POST /api/simulation/clock). */
    sync(c: ClockState, realMs: number) {
      anchor.value = { simMs: Date.parse(c.currentSimulationTime), realMs, speed: c.speed }
      info.value = { seed: c.seed, liveStartTime: c.liveStartTime, historyStartTime: c.historyStartTime }
      realNow.value = realMs
    },
    /**
     * A pulse's reading: the speed may have been changed elsewhere (another console). Small
     * lags are not taken, so the shown time never jitters backwards; a real jump is.
     */
    syncTime(iso: string, speed: number, realMs: number) {
      const simMs = Date.parse(iso)
      const a = anchor.value
      const off = simMs - timeAt(realMs)
      if (speed !== a.speed || Number.isNaN(a.simMs) || off > 0 || -off > Math.max(2000, speed * 1500)) {
        anchor.value = { simMs, realMs, speed }
      }
      realNow.value = realMs
    },
  }
}
export type Clock = ReturnType<typeof createClock>
