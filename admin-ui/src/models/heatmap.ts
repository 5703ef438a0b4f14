import { computed, signal } from '@preact/signals'
import type { AnomalyFlag, PulseStream, StreamInfo } from '@marketsim/shared-types'

/** The order domains are shown in (the spec's). */
const DOMAINS = ['customer', 'tutor', 'session', 'support', 'marketing', 'system'] as const

export interface Cell {
  name: string
  normalized: number | undefined
  flag: AnomalyFlag | undefined
  observed: number | undefined
  expected: number | undefined
}

/**
 * The heatmap: every stream's standing from the latest pulse, grouped by domain. A cell with
 * no pulse yet is shown as unknown rather than as normal.
 */
export function createHeatmap() {
  const streams = signal<StreamInfo[]>([])
  const pulse = signal<Record<string, PulseStream>>({})
  const pulseTime = signal<string | undefined>(undefined)

  const groups = computed(() =>
    DOMAINS.map((domain) => ({
      domain,
      cells: streams.value
        .filter((s) => s.domain === domain)
        .map((s): Cell => {
          const p = pulse.value[s.name]
          return { name: s.name, normalized: p?.normalized, flag: p?.anomalyFlag, observed: p?.observed, expected: p?.expected }
        }),
    })).filter((g) => g.cells.length > 0),
  )
  /** Every stream counted once, so the parts add up to the whole: flagged + as expected + unread = total. */
  const counts = computed(() => {
    const c = { total: streams.value.length, flagged: 0, normal: 0, unread: 0 }
    for (const s of streams.value) {
      const flag = pulse.value[s.name]?.anomalyFlag
      if (flag === undefined) c.unread++
      else if (flag === 'normal') c.normal++
      else c.flagged++
    }
    return c
  })
  const summary = computed(() => summaryText(counts.value))

  return {
    streams,
    pulse,
    pulseTime,
    groups,
    counts,
    summary,
    update(time: string, next: Record<string, PulseStream>) {
      pulse.value = next
      pulseTime.value = time
    },
  }
}
export type Heatmap = ReturnType<typeof createHeatmap>

/** "50 streams: 2 flagged · 48 as expected", with the streams not read yet, if any. */
export function summaryText(c: { total: number; flagged: number; normal: number; unread: number }): string {
  const parts = [`${c.flagged} flagged`, `${c.normal} as expected`]
  if (c.unread > 0) parts.push(`${c.unread} not read yet`)
  return `${c.total} streams: ${parts.join(' · ')}`
}

/**
 * Colour of a normalized value: grey at 50 (as expected), towards red above and blue below,
 * saturated at the critical band (|z| ≥ 3, i.e. ≤ 20 or ≥ 80).
 */
export function cellColor(normalized: number | undefined): string {
  if (normalized === undefined) return 'hsl(220 10% 30%)'
  const d = Math.max(-1, Math.min(1, (normalized - 50) / 30))
  const hue = d >= 0 ? 8 : 212
  const sat = Math.round(15 + 70 * Math.abs(d))
  const light = Math.round(34 + 14 * Math.abs(d))
  return `hsl(${hue} ${sat}% ${light}%)`
}
