/**
 * The scheduler: a timing wheel of one-minute slots. Pushing is O(1); a slot is sorted once
 * when it becomes current, and events scheduled into the current slot are inserted in order.
 * Far cheaper than a binary heap for the millions of events a 30-day history holds.
 */
import { byTime, type Ev } from './event.js'
import { MINUTE } from './time.js'

export class TimingWheel {
  private readonly slots = new Map<number, Ev[]>()
  private currentKey: number
  private current: Ev[] = []
  private cursor = 0
  size = 0

  /** Nothing may be scheduled before `startMs`. */
  constructor(startMs: number) {
    this.currentKey = Math.floor(startMs / MINUTE) - 1
  }

  push(ev: Ev): void {
    const key = Math.floor(ev.t / MINUTE)
    this.size++
    if (key === this.currentKey) {
      // Keep the live slot sorted: binary search after the cursor.
      let lo = this.cursor
      let hi = this.current.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (byTime(this.current[mid]!, ev) <= 0) lo = mid + 1
        else hi = mid
      }
      this.current.splice(lo, 0, ev)
      return
    }
    if (key < this.currentKey) throw new Error(`scheduling into the past: ${new Date(ev.t).toISOString()}`)
    const slot = this.slots.get(key)
    if (slot) slot.push(ev)
    else this.slots.set(key, [ev])
  }

  /** The next event with t < limit, removed from the wheel; undefined when there is none. */
  pop(limit: number): Ev | undefined {
    for (;;) {
      if (this.cursor < this.current.length) {
        const ev = this.current[this.cursor]!
        if (ev.t >= limit) return undefined
        this.cursor++
        this.size--
        return ev
      }
      const nextKey = this.currentKey + 1
      if (nextKey * MINUTE >= limit) return undefined
      this.advanceSlot(nextKey)
    }
  }

  /** Make `key` the current slot (an empty minute costs one Map lookup). */
  private advanceSlot(key: number): void {
    this.currentKey = key
    const slot = this.slots.get(key)
    if (slot) {
      this.slots.delete(key)
      // Slots are mostly filled in time order already (the deferred decisions of a quarter hour
      // share one time and arrive in sequence): a linear check spares a comparator sort.
      if (!inOrder(slot)) slot.sort(byTime)
      this.current = slot
    } else this.current = []
    this.cursor = 0
  }

  /** Every pending event, in no particular order (for snapshots and tests). */
  *pending(): Iterable<Ev> {
    for (let i = this.cursor; i < this.current.length; i++) yield this.current[i]!
    for (const slot of this.slots.values()) yield* slot
  }
}

function inOrder(slot: Ev[]): boolean {
  for (let i = 1; i < slot.length; i++) {
    const a = slot[i - 1]!
    const b = slot[i]!
    if (a.t > b.t || (a.t === b.t && a.q > b.q)) return false
  }
  return true
}
