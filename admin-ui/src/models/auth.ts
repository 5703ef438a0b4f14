import { signal } from '@preact/signals'
import { ApiCallError } from '../api.js'

/** sessionStorage in the browser; anything with the same two methods in a test. */
export interface TokenStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

const KEY = 'marketsim.adminToken'

/** Why the console asks: the server wants a token it was not given, or refused the one it got. */
export type Asking = 'needed' | 'refused'

const refused = (e: unknown) => e instanceof ApiCallError && e.status === 401

/**
 * The admin token of a protected server: asked for the first time a control answers 401, kept
 * for the browser session, sent with every control. A refused token is forgotten and asked for
 * again; each token entered retries the action once.
 */
export function createAuth(store?: TokenStore) {
  const token = signal<string | undefined>(store?.getItem(KEY) ?? undefined)
  /** Set while the dialog is open. */
  const asking = signal<Asking | undefined>(undefined)
  let answer: ((t: string | undefined) => void) | undefined

  function ask(why: Asking): Promise<string | undefined> {
    asking.value = why
    return new Promise((resolve) => (answer = resolve))
  }
  function settle(t: string | undefined) {
    asking.value = undefined
    const a = answer
    answer = undefined
    a?.(t)
  }

  return {
    token,
    asking,
    submit(value: string) {
      const t = value.trim()
      if (!t) return
      token.value = t
      store?.setItem(KEY, t)
      settle(t)
    },
    cancel: () => settle(undefined),
    /** Runs a control; on a 401 asks for the token and retries, until it passes or the presenter cancels. */
    async withToken<T>(call: () => Promise<T>): Promise<T> {
      try {
        return await call()
      } catch (e) {
        if (!refused(e)) throw e
        let why: Asking = token.value ? 'refused' : 'needed'
        for (;;) {
          if (why === 'refused') {
            token.value = undefined
            store?.removeItem(KEY)
          }
          if ((await ask(why)) === undefined) throw new ApiCallError(401, 'TOKEN_NOT_GIVEN', 'no admin token was given')
          try {
            return await call()
          } catch (e2) {
            if (!refused(e2)) throw e2
            why = 'refused'
          }
        }
      }
    },
  }
}
export type Auth = ReturnType<typeof createAuth>
