import { signal } from '@preact/signals'
import type { ExternalEvent, HistoryPoint } from '@marketsim/shared-types'
import { explain, type Api } from '../api.js'

export interface Series {
  stream: string
  /** Seconds since the epoch, as uPlot wants them. */
  times: number[]
  /** Events per hour; null for the hour still in progress (its count so far would read as a drop). */
  values: Array<number | null>
  normalized: number[]
  markers: ExternalEvent[]
}

export function seriesOf(stream: string, points: HistoryPoint[], events: ExternalEvent[]): Series {
  return {
    stream,
    times: points.map((p) => Date.parse(p.timestamp) / 1000),
    // The server flags the hour still filling; its normalized value is fair (compared with what was expected so far).
    values: points.map((p) => (p.partial ? null : p.value)),
    normalized: points.map((p) => p.normalized),
    // Markers for the events said to touch this stream first; the rest are context.
    markers: events.filter((e) => e.expectedImpact.streams.includes(stream) || e.severity !== 'info'),
  }
}

/**
 * The chart of one stream: the last 7 days hourly (the hour in progress by its normalized
 * value only), and the
 * external events as markers. Reloaded as simulated time moves on, so it runs live.
 */
export function createChart(api: Api) {
  const selected = signal<string | undefined>(undefined)
  const series = signal<Series | undefined>(undefined)
  const error = signal<string | undefined>(undefined)
  let inFlight = false

  return {
    selected,
    series,
    error,
    select(stream: string | undefined) {
      selected.value = stream
      series.value = undefined
      error.value = undefined
    },
    /** `now` is the server's time; history before the start of the simulation is cut off. */
    async load(now: number, historyStart: number) {
      const stream = selected.value
      if (!stream || inFlight) return
      inFlight = true
      try {
        const start = Math.max(historyStart, Math.floor((now - 7 * 86_400_000) / 3_600_000) * 3_600_000)
        const r = await api.history({ start: new Date(start).toISOString(), end: new Date(now).toISOString(), streams: stream, interval: '1h' })
        if (selected.value === stream) series.value = seriesOf(stream, r.streams[stream] ?? [], r.events)
        error.value = undefined
      } catch (e) {
        error.value = explain(e)
      } finally {
        inFlight = false
      }
    },
  }
}
export type Chart = ReturnType<typeof createChart>
