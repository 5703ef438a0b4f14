/**
 * The scheduler: a timing wheel of one-minute slots. Pushing is O(1); a slot is put in order
 * once, when it becomes current, and events scheduled into the current slot are inserted in
 * order. Far cheaper than a binary heap for the millions of events a 30-day history holds.
 *
 * A pushed event is copied into its slot as a packed record, and popped into an object the
 * caller passes: the world waits on hundreds of thousands of events days ahead (the start
 * decisions of booked sessions). Kept as objects, each would be copied through the young
 * generation and later read back cold from anywhere in the heap; packed, a slot is a few
 * contiguous chunks of the wheel's arena, and the caller can recycle the object it pushed.
 */
import type { Ev } from './event.js'
import { MINUTE } from './time.js'

/** Numbers per record: t, q, s, id, st, tu, sub, x, y (v, a string, is kept beside them). */
const STRIDE = 9
/** Records per chunk: a slot grows by whole chunks of the wheel's arena, handed back when it empties. */
const CHUNK_BITS = 4
const CHUNK = 1 << CHUNK_BITS
/** Records per block of the arena: it grows by whole blocks, never by copying. */
const BLOCK_BITS = 14
const BLOCK = 1 << BLOCK_BITS
/** Emptied slots kept for reuse, so the wheel allocates little once warm. */
const SPARE_SLOTS = 16
/** Slots within this many minutes of the current one are found by index (22 days); later ones by key. */
const RING_BITS = 15
const RING = 1 << RING_BITS

/** One minute's events: its records' chunks in push order, and a pop order when that differs. */
interface Slot {
  n: number
  chunks: number[]
  /** Record indices in pop order, once records stopped arriving in time order. */
  order: number[] | undefined
}

export class TimingWheel {
  /** The slot of minute k at ring[k mod RING] (a Map lookup per push cost more than the rest of it). */
  private readonly ring: Array<Slot | undefined> = new Array<Slot | undefined>(RING).fill(undefined)
  /** Slots of minutes beyond the ring's reach (only a config with delays of weeks has any). */
  private readonly far = new Map<number, Slot>()
  private readonly spare: Slot[] = []
  /** Every record, in chunks, in blocks; `v` holds each record's string. */
  private readonly blocks: Float64Array[] = []
  private readonly v: Array<string | undefined> = []
  private readonly freeChunks: number[] = []
  private chunkCount = 0
  private currentKey: number
  private current: Slot | undefined
  private cursor = 0
  size = 0

  /** Nothing may be scheduled before `startMs`. */
  constructor(startMs: number) {
    this.currentKey = Math.floor(startMs / MINUTE) - 1
  }

  /** Schedule a copy of ev: the caller may reuse the object afterwards. */
  push(ev: Ev): void {
    const key = Math.floor(ev.t / MINUTE)
    this.size++
    if (key === this.currentKey) {
      // Keep the live slot in order: inserted among what has not been popped yet.
      this.current ??= this.newSlot()
      this.insert(this.current, this.add(this.current, ev))
      return
    }
    if (key < this.currentKey) throw new Error(`scheduling into the past: ${new Date(ev.t).toISOString()}`)
    let slot: Slot | undefined
    if (key - this.currentKey < RING) {
      const i = key & (RING - 1)
      slot = this.ring[i] ?? (this.ring[i] = this.newSlot())
    } else {
      slot = this.far.get(key)
      if (!slot) this.far.set(key, (slot = this.newSlot()))
    }
    this.add(slot, ev)
  }

  /** Fill `into` with the next event with t < limit and remove it; false when there is none. */
  pop(limit: number, into: Ev): boolean {
    // Nothing anywhere: no need to walk the minutes up to the limit (which may be far, or infinite).
    if (this.size === 0) return false
    for (;;) {
      const slot = this.current
      if (slot && this.cursor < slot.n) {
        const r = this.record(slot, slot.order ? slot.order[this.cursor]! : this.cursor)
        if (this.blocks[r >> BLOCK_BITS]![(r & (BLOCK - 1)) * STRIDE]! >= limit) return false
        this.cursor++
        this.size--
        this.read(r, into)
        return true
      }
      const nextKey = this.currentKey + 1
      if (nextKey * MINUTE >= limit) return false
      this.advanceSlot(nextKey)
    }
  }

  /** Make `key` the current slot (an empty minute costs one Map lookup). */
  private advanceSlot(key: number): void {
    if (this.current) this.release(this.current)
    this.currentKey = key
    let slot = this.ring[key & (RING - 1)]
    this.ring[key & (RING - 1)] = undefined
    const far = this.far.size > 0 ? this.far.get(key) : undefined
    if (far) {
      this.far.delete(key)
      if (slot) this.moveRecords(far, slot)
      else slot = far
    }
    if (slot) this.arrange(slot)
    this.current = slot
    this.cursor = 0
  }

  /** Where record i of a slot lives in the arena. */
  private record(slot: Slot, i: number): number {
    return (slot.chunks[i >> CHUNK_BITS]! << CHUNK_BITS) | (i & (CHUNK - 1))
  }

  private add(slot: Slot, ev: Ev): number {
    const i = slot.n++
    if ((i & (CHUNK - 1)) === 0) slot.chunks.push(this.freeChunks.pop() ?? this.newChunk())
    const r = this.record(slot, i)
    const a = this.blocks[r >> BLOCK_BITS]!
    const o = (r & (BLOCK - 1)) * STRIDE
    a[o] = ev.t
    a[o + 1] = ev.q
    a[o + 2] = ev.s
    a[o + 3] = ev.id
    a[o + 4] = ev.st
    a[o + 5] = ev.tu
    a[o + 6] = ev.sub
    a[o + 7] = ev.x
    a[o + 8] = ev.y
    this.v[r] = ev.v
    return i
  }

  private read(r: number, ev: Ev): void {
    const a = this.blocks[r >> BLOCK_BITS]!
    const o = (r & (BLOCK - 1)) * STRIDE
    ev.t = a[o]!
    ev.q = a[o + 1]!
    ev.s = a[o + 2]!
    ev.id = a[o + 3]!
    ev.st = a[o + 4]!
    ev.tu = a[o + 5]!
    ev.sub = a[o + 6]!
    ev.x = a[o + 7]!
    ev.y = a[o + 8]!
    ev.v = this.v[r]
  }

  /** Record i of a slot goes before record j: earlier, or as early and pushed first (as byTime). */
  private before(slot: Slot, i: number, j: number): boolean {
    const ri = this.record(slot, i)
    const rj = this.record(slot, j)
    const a = this.blocks[ri >> BLOCK_BITS]!
    const b = this.blocks[rj >> BLOCK_BITS]!
    const oi = (ri & (BLOCK - 1)) * STRIDE
    const oj = (rj & (BLOCK - 1)) * STRIDE
    return a[oi]! < b[oj]! || (a[oi] === b[oj] && a[oi + 1]! < b[oj + 1]!)
  }

  /** Put a slot in pop order (most slots already are: a linear check spares the sort). */
  private arrange(slot: Slot): void {
    for (let i = 1; i < slot.n; i++) {
      if (this.before(slot, i, i - 1)) {
        const order = Array.from({ length: slot.n }, (_, k) => k)
        slot.order = order.sort((x, y) => (x === y ? 0 : this.before(slot, x, y) ? -1 : 1))
        return
      }
    }
  }

  /** Record i (just added to the current slot) into pop order, among what has not been popped. */
  private insert(slot: Slot, i: number): void {
    if (!slot.order) {
      if (i === 0 || this.before(slot, i - 1, i)) return // after everything: already in place
      slot.order = Array.from({ length: i }, (_, k) => k)
    }
    let lo = this.cursor
    let hi = i
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.before(slot, slot.order[mid]!, i)) lo = mid + 1
      else hi = mid
    }
    slot.order.splice(lo, 0, i)
  }

  private newChunk(): number {
    if (this.chunkCount << CHUNK_BITS >= this.blocks.length * BLOCK) {
      this.blocks.push(new Float64Array(BLOCK * STRIDE))
      for (let k = 0; k < BLOCK; k++) this.v.push(undefined)
    }
    return this.chunkCount++
  }

  /** Append a slot's records to another (the sort on arrival restores the order). */
  private moveRecords(from: Slot, to: Slot): void {
    const ev = { t: 0, s: 0, q: 0, id: 0, st: 0, tu: 0, sub: 0, x: 0, y: 0, v: undefined }
    for (let i = 0; i < from.n; i++) {
      this.read(this.record(from, i), ev)
      this.add(to, ev)
    }
    this.release(from)
  }

  private newSlot(): Slot {
    return this.spare.pop() ?? { n: 0, chunks: [], order: undefined }
  }

  /** An emptied slot: its chunks back to the arena, the slot itself kept for reuse. */
  private release(slot: Slot): void {
    for (const c of slot.chunks) {
      this.freeChunks.push(c)
      // Drop the strings, so a freed chunk holds no label alive.
      for (let r = c << CHUNK_BITS; r < (c + 1) << CHUNK_BITS; r++) this.v[r] = undefined
    }
    slot.chunks.length = 0
    slot.n = 0
    slot.order = undefined
    if (this.spare.length < SPARE_SLOTS) this.spare.push(slot)
  }
}
