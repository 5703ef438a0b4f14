/**
 * Entity ids: `prefix` + 9 lowercase alphanumerics that look random but are a pure function of
 * (prefix, n, seed) and never repeat within one (prefix, seed).
 *
 * How: n (taken as a 40-bit number) goes through a 4-round Feistel network over two 20-bit
 * halves, keyed by a hash of seed + prefix. A Feistel network is a bijection whatever its round
 * function, so distinct n give distinct 40-bit codes. The code is written as exactly 8 base-36
 * digits (36^8 > 2^40, so no value needs more, and fixed width keeps the writing injective); the
 * leading digit, which only reaches 0-e for a 40-bit value, is rotated by a key-derived offset so
 * it does not give the range away. A 9th character is a keyed check digit over the other 8.
 *
 * Hot path: the keys of the last (prefix, seed) are cached, everything else is 32-bit integer
 * arithmetic, and the suffix is written with one String.fromCharCode call.
 */
import { B36_4, digits4, text9 } from './base36.js'
import { hash32 } from './rng.js'

const MASK20 = 0xfffff
const TWO20 = 0x100000
/** Scratch for the 9 digits of one id (single-threaded, reused call to call). */
const D: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0]

interface Key {
  k0: number
  k1: number
  k2: number
  k3: number
  /** Added (mod 36) to the leading digit. */
  lead: number
  /** Added (mod 36) to the check digit. */
  salt: number
}

function makeKey(prefix: string, seed: number): Key {
  const base = hash32(seed, prefix, 'entityId')
  const sub = (i: number) => hash32(base, i)
  return { k0: sub(0), k1: sub(1), k2: sub(2), k3: sub(3), lead: sub(4) % 36, salt: sub(5) % 36 }
}

const keysBySeed = new Map<number, Map<string, Key>>()
let lastPrefix = ''
let lastSeed = NaN
let lastKey: Key | undefined

function keyFor(prefix: string, seed: number): Key {
  if (lastKey !== undefined && prefix === lastPrefix && seed === lastSeed) return lastKey
  let byPrefix = keysBySeed.get(seed)
  if (byPrefix === undefined) {
    // A simulation uses one seed at a time; never let the cache grow with seeds.
    if (keysBySeed.size >= 64) keysBySeed.clear()
    byPrefix = new Map()
    keysBySeed.set(seed, byPrefix)
  }
  let key = byPrefix.get(prefix)
  if (key === undefined) {
    key = makeKey(prefix, seed)
    byPrefix.set(prefix, key)
  }
  lastPrefix = prefix
  lastSeed = seed
  lastKey = key
  return key
}

/** Round function: 20 bits of a murmur-style mix of the half and the round key. */
function round(x: number, k: number): number {
  let h = Math.imul(x ^ k, 0x9e3779b1)
  h ^= h >>> 15
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return (h ^ (h >>> 16)) & MASK20
}

/**
 * `prefix` + 9 chars of [a-z0-9], deterministic in (prefix, n, seed) and unique for every
 * integer n in [0, 2^40) (so in particular [0, 2^32)) for a fixed (prefix, seed).
 */
export function entityId(prefix: string, n: number, seed: number): string {
  const key = keyFor(prefix, seed)
  let l = Math.floor(n / TWO20) & MASK20
  let r = n & MASK20 // ToInt32 keeps the low 32 bits of any integer below 2^53
  l ^= round(r, key.k0)
  r ^= round(l, key.k1)
  l ^= round(r, key.k2)
  r ^= round(l, key.k3)
  // v = l·2^20 + r < 2^40; split it into two 4-digit base-36 halves (q < 36^4 since 2^40 < 36^8).
  const v = l * TWO20 + r
  const q = Math.floor(v / B36_4)
  digits4(q, D, 0)
  digits4(v - q * B36_4, D, 4)
  D[0] = (D[0]! + key.lead) % 36
  D[8] = (D[0]! * 3 + D[1]! * 5 + D[2]! * 7 + D[3]! * 11 + D[4]! * 13 + D[5]! * 17 + D[6]! * 19 + D[7]! * 23 + key.salt) % 36
  return prefix + text9(D)
}
