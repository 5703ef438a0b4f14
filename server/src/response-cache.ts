import type { FastifyReply } from 'fastify'

/** Send an already serialized JSON body (the route's schema described it when it was built). */
export function sendSerialized(reply: unknown, body: string): FastifyReply {
  return (reply as FastifyReply).type('application/json; charset=utf-8').send(body)
}

/**
 * A small LRU of serialized responses. A history response depends on the request and on the
 * world as of the current simulated instant; while the clock has not moved (many requests per
 * tick, or a paused world) the same bytes are the true answer.
 */
export class ResponseCache {
  private readonly entries = new Map<string, string>()

  constructor(private readonly capacity = 64) {}

  get(key: string): string | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: string, body: string): void {
    this.entries.set(key, body)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }
}
