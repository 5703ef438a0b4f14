/**
 * The admin token of the control endpoints. Compared as SHA-256 digests with
 * `timingSafeEqual`: the digests always have the same length, so neither the token's content
 * nor its length shows in how long a refusal takes.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export const MIN_TOKEN_LENGTH = 16
export const MAX_TOKEN_LENGTH = 1024

/** Why `token` cannot protect the controls, or undefined when it can. */
export function adminTokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); unset it to leave the controls open`
  if (token.length > MAX_TOKEN_LENGTH) return `must be at most ${MAX_TOKEN_LENGTH} characters`
  // An HTTP header value cannot carry it faithfully, and a copy-paste newline is a classic.
  if (/[\s\x00-\x1f\x7f]/.test(token)) return 'must not contain whitespace or control characters'
  if (!/^[\x21-\x7e]+$/.test(token)) return 'must be printable ASCII (it travels in an HTTP header)'
  return undefined
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/** A matcher for `Authorization` header values: true only for `Bearer <token>`. */
export function bearerMatcher(token: string): (header: string | undefined) => 'ok' | 'missing' | 'wrong' {
  const expected = digest(token)
  return (header) => {
    const m = header === undefined ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header)
    if (!m) return 'missing'
    return timingSafeEqual(digest(m[1]!), expected) ? 'ok' : 'wrong'
  }
}
