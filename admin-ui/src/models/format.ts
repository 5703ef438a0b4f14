/** Durations and times as a presenter reads them (the duration grammar is shared-types' durations.ts). */

/** 95 minutes → "1 h 35 min"; the two largest units are enough to read from a stage. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  const s = Math.max(0, Math.round(ms / 1000))
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ]
  const first = parts.findIndex(([v]) => v > 0)
  if (first < 0) return '0 s'
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, u]) => `${v} ${u}`)
    .join(' ')
}

/** A simulated instant as "Thu 26 Nov 10:58:50" (UTC: the simulation's own zone). */
export function formatSimTime(ms: number): string {
  const d = new Date(ms)
  const day = d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
  return `${day.replace(',', '')} ${d.toISOString().slice(11, 19)}`
}

/** A multiplier as a presenter reads it: 1.6 → "×1.6 (+60%)", 0.9 → "×0.9 (−10%)". */
export function formatFactor(f: number): string {
  const pct = Math.round((f - 1) * 100)
  return `×${Number(f.toFixed(2))} (${pct >= 0 ? '+' : '−'}${Math.abs(pct)}%)`
}
