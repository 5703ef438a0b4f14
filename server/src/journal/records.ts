/**
 * The journal's records: one line each, `<crc32 hex> <json>`, so a line torn by a crash
 * mid-write (or any damaged line) is told apart from a good one.
 */
import { crc32 } from 'node:zlib'
import type { StreamBaseline } from '@marketsim/shared-types'

/** Which world the journal belongs to; the first record. */
export interface WorldRecord {
  type: 'world'
  seed: number
  startMs: number
  historyDays: number
  /** Of the loaded config: a journal replayed over another config would build another world. */
  configHash: string
  /** The first world's baseline statistics: a rebuilt world keeps them, so a replayed one must too. */
  baseline: Record<string, StreamBaseline>
  /**
   * The clock follows the wall clock (SIM_START was unset at the first boot): a restart
   * simulates the downtime. Absent in journals written before it existed: taken as true
   * unless SIM_START is set (a plain start's journal, the common case).
   */
  live?: boolean
}

/** Every record after the world's says where the world stood: simulated time and events emitted. */
interface At {
  at: number
  seq: number
}

export type ActionRecord =
  | (At & { type: 'activate'; id: string; scenarioId: string; startMs: number; knownAt: number })
  | (At & { type: 'stop'; id: string })
  | (At & { type: 'reset' })
  /**
   * A clock anchor: from `at` (simulated), reached at wall time `wall`, the clock runs at
   * `speed`. Written by speed changes, `{ live: true }` and a capped catch-up; `wall` is absent
   * in journals written before the live clock.
   */
  | (At & { type: 'speed'; speed: number; wall?: number })
  | (At & { type: 'checkpoint' })

export type JournalRecord = WorldRecord | ActionRecord

/** An action as the controls report it; the host adds where the world stood (`at`, `seq`). */
export type Action = ActionRecord extends infer R ? (R extends ActionRecord ? Omit<R, 'at' | 'seq'> : never) : never

const hex = (s: string) => crc32(s).toString(16).padStart(8, '0')

export function encode(r: JournalRecord): string {
  const json = JSON.stringify(r)
  return `${hex(json)} ${json}\n`
}

/** The record on a line, or undefined when the line is damaged. */
export function decode(line: string): JournalRecord | undefined {
  const json = line.slice(9)
  if (line[8] !== ' ' || hex(json) !== line.slice(0, 8)) return undefined
  try {
    const r = JSON.parse(json) as JournalRecord
    return typeof r === 'object' && r !== null && typeof r.type === 'string' ? r : undefined
  } catch {
    return undefined
  }
}
