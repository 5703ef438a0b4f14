/**
 * What keeps the server from being fully healthy while it still serves: each part that can
 * degrade (the journal, an overloaded tick, …) sets or clears its own reason under a code.
 * `/api/health` stays 200 while serving and lists them, so a load balancer keeps the replica
 * and an operator sees why.
 */
export interface DegradedReason {
  code: string
  message: string
  since: string
}

export class HealthState {
  private readonly reasons = new Map<string, DegradedReason>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Set (or keep, with its original `since`) a reason; idempotent. */
  degrade(code: string, message: string): void {
    const prev = this.reasons.get(code)
    this.reasons.set(code, { code, message, since: prev?.since ?? new Date(this.now()).toISOString() })
  }

  recover(code: string): void {
    this.reasons.delete(code)
  }

  get degraded(): DegradedReason[] {
    return [...this.reasons.values()]
  }
}
