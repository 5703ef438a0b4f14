/**
 * The control journal in a Redis Stream, for replicas that share one world (`REDIS_URL`).
 *
 * The world is deterministic: seed, start and the list of control actions decide every event,
 * so replicas share only this journal (a few records a minute) and each computes the same
 * world. The first replica writes the world record; later ones adopt it, or refuse to start
 * when their own settings disagree. An action is appended only if nobody appended since the
 * entry its replica last saw (a compare-and-append in one Lua script), so two replicas racing
 * get one success and one conflict, as one process would. Followers read with blocking reads
 * from the last id they delivered, so a dropped connection resumes where it stopped: nothing
 * lost, nothing twice (the lesson of the Socket.IO Redis Streams adapter). Checkpoints stay
 * local: a replica's progress is its own.
 */
import { createClient, type RedisClientType } from 'redis'
import { decode, encode, type ActionRecord, type JournalRecord, type WorldRecord } from './records.js'

/** The stream id before any entry. */
export const START_ID = '0-0'

/** Append ARGV[2] only if the stream's last id is ARGV[1]; answer {1, new id} or {0, last id}. */
const APPEND_IF_LAST = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if #last > 0 then lastId = last[1][1] end
if lastId ~= ARGV[1] then return {0, lastId} end
return {1, redis.call('XADD', KEYS[1], '*', 'r', ARGV[2])}
`

/** The settings a replica must share with the world it joins. */
const SHARED = ['seed', 'startMs', 'historyDays', 'configHash', 'live'] as const

/** This replica's settings disagree with the world in Redis: it must not start. */
export class WorldMismatchError extends Error {
  constructor(readonly fields: string[]) {
    super(`this replica's settings disagree with the world in Redis on ${fields.join(', ')}; start it with the same SIM_* settings and config, or use another REDIS_KEY`)
  }
}

export interface JournalEntry {
  id: string
  record: JournalRecord
}

export type AppendResult = { ok: true; id: string } | { ok: false; lastId: string }

type Client = RedisClientType

function parse(id: string, fields: Record<string, string>): JournalEntry {
  const record = decode(fields.r ?? '')
  if (!record) throw new Error(`journal entry ${id} in Redis is damaged`)
  return { id, record }
}

export class RedisJournal {
  private followers = new Set<Client>()

  private constructor(
    private readonly client: Client,
    readonly key: string,
  ) {}

  static async connect(url: string, key = 'marketsim:journal'): Promise<RedisJournal> {
    const client = createClient({ url }) as unknown as Client
    // Errors surface on the commands; an unhandled 'error' event would crash the process.
    client.on('error', () => undefined)
    await client.connect()
    return new RedisJournal(client, key)
  }

  /**
   * Join the world: write `mine` as its record if the stream is empty, else adopt the one there
   * (its baseline statistics included) after checking the shared settings agree.
   */
  async open(mine: WorldRecord): Promise<{ world: WorldRecord; entries: JournalEntry[]; lastId: string }> {
    const wrote = await this.appendIfLast(START_ID, mine)
    const entries = await this.range(START_ID)
    const first = entries[0]
    if (!first || first.record.type !== 'world') throw new Error(`the Redis stream ${this.key} does not begin with a world record`)
    const world = first.record
    if (!wrote.ok) {
      const differ = SHARED.filter((f) => (world[f] ?? undefined) !== (mine[f] ?? undefined))
      if (differ.length > 0) throw new WorldMismatchError(differ)
    }
    return { world, entries: entries.slice(1), lastId: entries[entries.length - 1]!.id }
  }

  /** Append an action if the stream's last entry is still `expectedLastId`. */
  append(record: ActionRecord, expectedLastId: string): Promise<AppendResult> {
    return this.appendIfLast(expectedLastId, record)
  }

  private async appendIfLast(expectedLastId: string, record: JournalRecord): Promise<AppendResult> {
    const [ok, id] = (await this.client.eval(APPEND_IF_LAST, { keys: [this.key], arguments: [expectedLastId, encode(record).trimEnd()] })) as [number, string]
    return ok === 1 ? { ok: true, id } : { ok: false, lastId: id }
  }

  /** Every entry after `afterId`. */
  async range(afterId: string): Promise<JournalEntry[]> {
    const from = afterId === START_ID ? '-' : `(${afterId}`
    const rows = await this.client.xRange(this.key, from, '+')
    return (rows ?? []).map((r) => parse(r.id, r.message as Record<string, string>))
  }

  /**
   * Deliver every entry after `afterId`, in order, as it arrives: blocking reads on a connection
   * of its own, resumed from the last delivered id after any disconnect. Returns a stop function.
   */
  follow(afterId: string, deliver: (entry: JournalEntry) => void, onError: (err: Error) => void = () => undefined): () => Promise<void> {
    const reader = this.client.duplicate() as unknown as Client
    reader.on('error', onError)
    this.followers.add(reader)
    let lastId = afterId
    let stopped = false
    const loop = async () => {
      await reader.connect()
      while (!stopped) {
        try {
          const res = await reader.xRead({ key: this.key, id: lastId }, { BLOCK: 1000, COUNT: 100 })
          for (const stream of (res as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null) ?? []) {
            for (const m of stream.messages) {
              deliver(parse(m.id, m.message))
              lastId = m.id
            }
          }
        } catch (err) {
          if (stopped) return
          onError(err as Error)
          // The client reconnects by itself; read again from the last delivered id.
          await new Promise((r) => setTimeout(r, 100).unref())
        }
      }
    }
    const running = loop().catch((err: unknown) => onError(err as Error))
    return async () => {
      stopped = true
      this.followers.delete(reader)
      reader.destroy()
      await running
    }
  }

  async close(): Promise<void> {
    for (const r of this.followers) r.destroy()
    this.followers.clear()
    this.client.destroy()
  }
}
