import { computed, signal } from '@preact/signals'
import type { ClockState } from '@marketsim/shared-types'
import { formatSpan } from './format.js'

/** How the world keeps up with its clock (the pulse's additive fields). */
export interface Pace {
  effectiveSpeed?: number
  lagMs?: number
}

/** Speeds the panel offers (0 pauses). */
export const SPEEDS = [0, 1, 10, 60, 600] as const

/** Off the wall clock by less than this, a running clock counts as live (readings jitter by a few 100 ms). */
export const LIVE_TOLERANCE_MS = 1000

/** A clock that could follow the wall clock but does not: what to say, and whether "Go live" can help. */
export interface LiveGap {
  text: string
  /** The server brings a clock forward to the wall clock, never back: only behind can go live. */
  canGoLive: boolean
}

/**
 * The simulated clock as the console shows it: anchored on the last reading from the server
 * and run forward locally at its speed, so the time ticks smoothly between readings.
 */
export function createClock() {
  const anchor = signal({ simMs: Number.NaN, realMs: 0, speed: 1 })
  const info = signal<Pick<ClockState, 'seed' | 'liveStartTime' | 'historyStartTime' | 'live'> | undefined>(undefined)
  /** The server's offset from the wall clock at its last full reading, and when that was taken. */
  const offsetBase = signal<{ offsetMs: number; simMs: number; realMs: number } | undefined>(undefined)
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

  /**
   * The clock minus the wall clock now, on a clock that belongs to the wall clock (else
   * undefined): the last reading's offset, moved on by how the clock ran since against real time.
   */
  const offsetMs = computed(() => {
    const b = offsetBase.value
    if (!b || !info.value?.live) return undefined
    return b.offsetMs + (simNow.value - b.simMs) - (realNow.value - b.realMs)
  })
  /** Said while a clock that could be live is paused or off the wall clock; undefined when live. */
  const gap = computed<LiveGap | undefined>(() => {
    const off = offsetMs.value
    if (off === undefined) return undefined
    if (off >= LIVE_TOLERANCE_MS)
      return {
        text: `ahead of live by ${formatSpan(off)}: ${speed.value === 0 ? 'paused until' : 'pause until'} the wall clock catches up, then go live`,
        canGoLive: false,
      }
    if (off <= -LIVE_TOLERANCE_MS || speed.value === 0) return { text: `behind live by ${formatSpan(Math.max(0, -off))}`, canGoLive: true }
    return undefined
  })

  return {
    anchor,
    info,
    offsetMs,
    gap,
    realNow,
    simNow,
    speed,
    pace,
    behind,
    timeAt,
    /** A full clock reading (GET/POST /api/simulation/clock). */
    sync(c: ClockState, realMs: number) {
      const simMs = Date.parse(c.currentSimulationTime)
      anchor.value = { simMs, realMs, speed: c.speed }
      info.value = { seed: c.seed, liveStartTime: c.liveStartTime, historyStartTime: c.historyStartTime, live: c.live }
      offsetBase.value = typeof c.offsetMs === 'number' ? { offsetMs: c.offsetMs, simMs, realMs } : undefined
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
