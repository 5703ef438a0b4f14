/**
 * A seeded generator of hostile input for the fuzz test: the same seed gives the same cases,
 * so a failure is reproduced by running the test again. No library: a few dozen lines of
 * mulberry32 and lists of values that have broken servers before.
 */
export type Rng = () => number

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
export const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))

export function randomBytes(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256)
  return b
}

/** Any code points, surrogates excluded (those cannot be sent as UTF-8 text). */
export function randomText(r: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) {
    const cp = pick(r, [() => int(r, 0, 0x7f), () => int(r, 0x80, 0xd7ff), () => int(r, 0xe000, 0x10ffff)])()
    s += String.fromCodePoint(cp)
  }
  return s
}

export const deep = (levels: number, open = '[', close = ']', inner = '') => open.repeat(levels) + inner + close.repeat(levels)

/** Strings no field of the API accepts: unicode, control characters, numbers that are not, huge. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '%00', 'NaN', 'Infinity', '-Infinity', '1e400', '-0', '0x1F', '９', '１e3',
  '🙂'.repeat(50), '\u202egnp.exe', 'ﷺ', 'Z̷̢͎̈a̵l̴g̸o̵', 'é\u0301', '𝕏'.repeat(10),
  '<script>alert(1)</script>', "' OR 1=1 --", '${jndi:ldap://x}', '{{7*7}}', '../../../../etc/passwd',
  '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'null', 'undefined', 'true', '[]', '{}',
  '__proto__', 'constructor', 'prototype', 'x'.repeat(70_000), 'customer.*', '*', 'anomalies ',
]

/** Times that no endpoint accepts as a time inside the simulated world. */
export const BAD_TIMES = [
  '', 'yesterday', 'now', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-26T25:00:00Z', '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z', '0000-00-00T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1e400', 'NaN',
  '2026-11-26T08:00:00Z\u0000', '２０２６-11-26', '2026-11-26T08:00:00+99:99', '\u202e2026-11-26T08:00:00Z',
]

/** JSON values of every type (and some that are not values), for fields that expect another. */
export function wrongValue(r: Rng): unknown {
  return pick(r, [
    () => null,
    () => true,
    () => int(r, -1e9, 1e9),
    () => -1,
    () => 1e308,
    () => -1e308,
    () => 5e-324,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => pick(r, NASTY_STRINGS),
    () => randomText(r, int(r, 1, 40)),
    () => [],
    () => [pick(r, NASTY_STRINGS), 1, null],
    () => ({}),
    () => ({ nested: { deeper: [1, { x: 'y' }] } }),
    () => JSON.parse(deep(int(r, 50, 500))),
  ])()
}
