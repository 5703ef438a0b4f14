/**
 * The recent past of the live timeline, shared by every reader (the events endpoint, WebSocket
 * catch-up): per stream, every event of the last `keepMs` of simulated time and at least the
 * last `keepPerStream` events. Per-stream queues keep a busy stream from being pinned in memory
 * behind a rare one; readers merge them by seq.
 *
 * A catch-up is complete only when the buffer holds every event after the client's point: the
 * buffer began at `from` (the live start, or where a restarted world began emitting again;
 * before it there is only history, counted in buckets) and each queue remembers the newest
 * event it trimmed away.
 */
import type { StreamEvent } from '@marketsim/shared-types'

class Queue {
  items: StreamEvent[] = []
  head = 0
  times: number[] = []
  /** seq and time of the newest event trimmed away (0 and -∞: nothing trimmed). */
  droppedSeq = 0
  droppedTime = Number.NEGATIVE_INFINITY

  get size(): number {
    return this.items.length - this.head
  }

  push(ev: StreamEvent, t: number): void {
    this.items.push(ev)
    this.times.push(t)
  }

  trim(minTime: number, keep: number): void {
    while (this.size > keep && this.times[this.head]! < minTime) {
      this.droppedTime = this.times[this.head]!
      this.droppedSeq = this.items[this.head++]!.seq!
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.times = this.times.slice(this.head)
      this.head = 0
    }
  }
}

/** Where a buffer began: it holds the events numbered after `seq`, which are those at or after `at`. */
export interface BufferStart {
  at: number
  seq: number
}

/** The client's point: the last event it has (by number) or the time up to which it has everything. */
export type CatchUpPoint = { seq: number } | { time: number }

export class RecentEvents {
  private readonly queues: Queue[]
  private lastTrim = Number.NEGATIVE_INFINITY

  constructor(
    streams: number,
    public from: BufferStart,
    readonly keepMs = 5 * 60_000,
    readonly keepPerStream = 1000,
  ) {
    this.queues = Array.from({ length: streams }, () => new Queue())
  }

  push(stream: number, ev: StreamEvent, t: number): void {
    this.queues[stream]!.push(ev, t)
  }

  /**
   * An event numbered but never built (a catch-up builds only its last minutes): the buffer
   * now begins after it, since nothing before it can be handed to a client.
   */
  skipped(seq: number, t: number): void {
    this.from = { at: Math.max(this.from.at, t + 1), seq: Math.max(this.from.seq, seq) }
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

  /**
   * The events after the client's point that `match` keeps, in timeline order, reading only the
   * queues of `streams` (all when undefined), and whether those queues still hold every event
   * after that point. `lastSeq` is the number of the newest event emitted so far.
   */
  since(point: CatchUpPoint, lastSeq: number, match: (ev: StreamEvent) => boolean, streams?: number[]): { events: StreamEvent[]; complete: boolean } {
    const qs = (streams ?? this.queues.map((_, i) => i)).map((i) => this.queues[i]!)
    let afterSeq: number
    let complete: boolean
    if ('seq' in point) {
      afterSeq = point.seq
      // A number beyond the last one emitted belongs to another timeline (a world started afresh).
      complete = afterSeq >= this.from.seq && afterSeq <= lastSeq && qs.every((q) => q.droppedSeq <= afterSeq)
    } else {
      afterSeq = this.seqAfter(point.time)
      // Between an earlier point and `from` events happened that were never buffered (history).
      complete = point.time >= this.from.at && qs.every((q) => q.droppedTime <= point.time)
    }
    const parts: StreamEvent[][] = []
    for (const q of qs) {
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
  private seqAfter(t: number): number {
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
