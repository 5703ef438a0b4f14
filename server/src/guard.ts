/**
 * A timer callback that cannot take the process down: whatever it throws is logged and the
 * timer goes on. A push that fails once (a state that cannot be read mid-change) must cost one
 * push, not the server.
 */
export interface ErrorLog {
  error(obj: object, msg: string): void
}

export function guarded(log: ErrorLog | undefined, timer: string, fn: () => void): () => void {
  return () => {
    try {
      fn()
    } catch (err) {
      log?.error({ err, timer }, `${timer} failed; the timer goes on`)
    }
  }
}
