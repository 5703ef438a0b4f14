/**
 * The recent past of the live timeline, shared by every reader (the events endpoint, WebSocket
 * catch-up): per stream, every event of the last `keepMs` of simulated time and at least the
 * last `keepPerStream` events. Per-stream queues keep a busy stream from being pinned in memory
 * behind a rare one; readers merge them by seq.
 */
import type { StreamEvent } from '@marketsim/shared-types'

class Queue {
  items: StreamEvent[] = []
  head = 0
  times: number[] = []
  /** seq of the newest event trimmed away (0: nothing trimmed). */
  droppedSeq = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(ev: StreamEvent, t: number): void {
    this.items.push(ev)
    this.times.push(t)
  }

  trim(minTime: number, keep: number): void {
    while (this.size > keep && this.times[this.head]! < minTime) this.droppedSeq = this.items[this.head++]!.seq!
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.times = this.times.slice(this.head)
      this.head = 0
    }
  }
}

export class RecentEvents {
  private readonly queues: Queue[]
  private lastTrim = Number.NEGATIVE_INFINITY

  constructor(
    streams: number,
    readonly keepMs = 5 * 60_000,
    readonly keepPerStream = 1000,
  ) {
    this.queues = Array.from({ length: streams }, () => new Queue())
  }

  push(stream: number, ev: StreamEvent, t: number): void {
    this.queues[stream]!.push(ev, t)
  }

  /** Drop what neither rule keeps any more (cheap; call once per tick). */
  trim(now: number): void {
    if (now - this.lastTrim < 1000) return
    this.lastTrim = now
    for (const q of this.queues) q.trim(now - this.keepMs, this.keepPerStream)
  }

  /** The most recent `limit` events of the given streams (all when undefined), oldest first. */
  latest(limit: number, streams?: number[]): StreamEvent[] {
    const qs = (streams ?? this.queues.map((_, i) => i)).map((i) => this.queues[i]!)
    const cursors = qs.map((q) => q.items.length - 1)
    const out: StreamEvent[] = []
    while (out.length < limit) {
      let best = -1
      let bestSeq = -1
      for (let k = 0; k < qs.length; k++) {
        const c = cursors[k]!
        if (c < qs[k]!.head) continue
        const seq = qs[k]!.items[c]!.seq!
        if (seq > bestSeq) {
          bestSeq = seq
          best = k
        }
      }
      if (best < 0) break
      out.push(qs[best]!.items[cursors[best]!]!)
      cursors[best]!--
    }
    return out.reverse()
  }

  /** Events with seq > afterSeq in timeline order, and whether the buffer still reached that far. */
  since(afterSeq: number, match: (ev: StreamEvent) => boolean): { events: StreamEvent[]; complete: boolean } {
    // Complete when no stream has lost an event newer than the requested point.
    const complete = this.queues.every((q) => q.droppedSeq <= afterSeq)
    const parts: StreamEvent[][] = []
    for (const q of this.queues) {
      const part: StreamEvent[] = []
      for (let i = q.items.length - 1; i >= q.head; i--) {
        const ev = q.items[i]!
        if (ev.seq! <= afterSeq) break
        if (match(ev)) part.push(ev)
      }
      parts.push(part.reverse())
    }
    return { events: parts.flat().sort((a, b) => a.seq! - b.seq!), complete }
  }

  /** The seq of the newest buffered event at or before t (what "seen up to t" means), or the seq before the oldest kept. */
  seqAfter(t: number): number {
    let best = -1
    let oldest = Number.POSITIVE_INFINITY
    for (const q of this.queues) {
      if (q.size === 0) continue
      oldest = Math.min(oldest, q.items[q.head]!.seq!)
      let lo = q.head
      let hi = q.items.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (q.times[mid]! <= t) lo = mid + 1
        else hi = mid
      }
      if (lo > q.head) best = Math.max(best, q.items[lo - 1]!.seq!)
    }
    if (best >= 0) return best
    return Number.isFinite(oldest) ? oldest - 1 : 0
  }

  get size(): number {
    return this.queues.reduce((a, q) => a + q.size, 0)
  }
}
