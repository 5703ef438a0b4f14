/**
 * Fixed-width base-36 writing shared by entity ids and random payload suffixes. Both sit on the
 * event path, so digits go into a caller's scratch array and become text in one fromCharCode call.
 */

/** 36^4 = 1,679,616: the count of 4-digit base-36 values (more than 2^20). */
export const B36_4 = 36 * 36 * 36 * 36

/** ASCII codes of '0'-'9' then 'a'-'z'. */
const CHAR = new Uint8Array(36)
for (let i = 0; i < 36; i++) CHAR[i] = i < 10 ? 48 + i : 87 + i

/** Write n (0 ≤ n < 36^4) as 4 base-36 digit values, most significant first, at out[at..at+3]. */
export function digits4(n: number, out: number[], at: number): void {
  for (let i = at + 3; i >= at; i--) {
    const d = n % 36
    out[i] = d
    n = (n - d) / 36
  }
}

/** The 9 digit values in `d` as text ('0'-'9', 'a'-'z'). */
export function text9(d: readonly number[]): string {
  return String.fromCharCode(
    CHAR[d[0]!]!, CHAR[d[1]!]!, CHAR[d[2]!]!, CHAR[d[3]!]!, CHAR[d[4]!]!,
    CHAR[d[5]!]!, CHAR[d[6]!]!, CHAR[d[7]!]!, CHAR[d[8]!]!,
  )
}
