import type { FastifyReply } from 'fastify'

/** Send an already serialized JSON body (the route's schema described it when it was built). */
export function sendSerialized(reply: unknown, body: string): FastifyReply {
  return (reply as FastifyReply).type('application/json; charset=utf-8').send(body)
}

/**
 * A small LRU of serialized responses. A history response depends on the request and on the
 * world as of the current simulated instant; while the clock has not moved (many requests per
 * tick, or a paused world) the same bytes are the true answer. Bounded in bytes as well as in
 * entries: once the clock moves most entries are never read again, and 64 month-long hourly
 * responses would otherwise hold hundreds of megabytes until they are pushed out.
 */
export class ResponseCache {
  private readonly entries = new Map<string, string>()
  private chars = 0

  constructor(
    private readonly capacity = 64,
    /** Characters kept at most (JSON is ASCII: about bytes); a larger body is sent, not kept. */
    private readonly maxChars = 8 * 2 ** 20,
  ) {}

  get(key: string): string | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: string, body: string): void {
    if (body.length > this.maxChars) return
    const was = this.entries.get(key)
    if (was !== undefined) {
      this.entries.delete(key)
      this.chars -= was.length
    }
    this.entries.set(key, body)
    this.chars += body.length
    while (this.entries.size > this.capacity || this.chars > this.maxChars) {
      const [oldest, value] = this.entries.entries().next().value!
      this.entries.delete(oldest)
      this.chars -= value.length
    }
  }
}
