import { computed, signal } from '@preact/signals'
import type { ExternalEvent } from '@marketsim/shared-types'

/**
 * The external-events timeline: what happened in the marketplace (scenario events, background
 * news), newest first. Events arrive from history and from live pushes; each is kept once.
 */
export function createTimeline() {
  const byKey = signal<Map<string, ExternalEvent>>(new Map())
  const key = (e: ExternalEvent) => `${e.id}@${e.timestamp}`
  const events = computed(() => [...byKey.value.values()].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp)))

  return {
    events,
    /** Everything known for a window (history): replaces what was there. */
    replace(list: ExternalEvent[]) {
      byKey.value = new Map(list.map((e) => [key(e), e]))
    },
    add(e: ExternalEvent) {
      const next = new Map(byKey.value)
      next.set(key(e), e)
      byKey.value = next
    },
  }
}
export type Timeline = ReturnType<typeof createTimeline>
