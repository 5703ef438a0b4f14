import { signal } from '@preact/signals'
import type { StreamEvent } from '@marketsim/shared-types'

/** How many events the feed keeps on screen. */
export const FEED_SIZE = 100

/**
 * The live feed: the newest events of the chosen topic, newest first, and the rate they
 * arrive at. Kept short: a presenter reads the last few; the rate says how busy it is.
 */
export function createFeed(realTime: () => number = () => Date.now()) {
  const events = signal<StreamEvent[]>([])
  const total = signal(0)
  const paused = signal(false)
  /** Events per real second over the last few seconds. */
  const rate = signal(0)
  const arrivals: Array<[number, number]> = []

  return {
    events,
    total,
    paused,
    rate,
    push(batch: StreamEvent[]) {
      const now = realTime()
      total.value += batch.length
      arrivals.push([now, batch.length])
      while (arrivals.length > 0 && arrivals[0]![0] < now - 5000) arrivals.shift()
      const span = Math.max(1000, now - (arrivals[0]?.[0] ?? now))
      rate.value = Math.round((arrivals.reduce((a, [, n]) => a + n, 0) * 1000) / span)
      if (paused.value) return
      const newest = batch.length > FEED_SIZE ? batch.slice(-FEED_SIZE) : batch
      events.value = [...newest.reverse(), ...events.value].slice(0, FEED_SIZE)
    },
    clear() {
      events.value = []
      total.value = 0
      arrivals.length = 0
      rate.value = 0
    },
  }
}
export type Feed = ReturnType<typeof createFeed>
