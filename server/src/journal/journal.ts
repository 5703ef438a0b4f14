/**
 * The control journal on disk (`STATE_DIR/journal.ndjson`): every control action with the
 * simulated time it took effect at, and checkpoints of how far the world had got. Actions are
 * written synchronously and flushed (they are few and must survive a crash); checkpoints are
 * only appended (losing the last one costs re-emitting a second of events, nothing more).
 */
import fs from 'node:fs'
import path from 'node:path'
import { decode, encode, type ActionRecord, type JournalRecord, type WorldRecord } from './records.js'

export interface JournalRead {
  world: WorldRecord | undefined
  actions: ActionRecord[]
  /** Damaged lines dropped (a torn last record after a crash mid-write, typically). */
  dropped: number
}

export interface JournalSink {
  append(r: JournalRecord, durable: boolean): void
}

export const IN_MEMORY = ':memory:'

export class Journal implements JournalSink {
  readonly file: string
  private fd: number | undefined

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'journal.ndjson')
  }

  /**
   * Read every good record. Reading stops at the first damaged line: what follows it cannot be
   * trusted to be in order. The file is cut back to the good part so appends continue cleanly
   * (unless `repair` is false: a reader beside the server, such as the export, changes nothing).
   */
  read(repair = true): JournalRead {
    if (!fs.existsSync(this.file)) return { world: undefined, actions: [], dropped: 0 }
    const text = fs.readFileSync(this.file, 'utf8')
    const records: JournalRecord[] = []
    let good = 0
    let dropped = 0
    for (let at = 0; at < text.length; ) {
      const nl = text.indexOf('\n', at)
      const r = nl < 0 ? undefined : decode(text.slice(at, nl))
      if (!r) {
        dropped = text.slice(at).split('\n').filter((l) => l.length > 0).length
        break
      }
      records.push(r)
      at = nl + 1
      good = at
    }
    if (dropped > 0 && repair) fs.truncateSync(this.file, Buffer.byteLength(text.slice(0, good)))
    const world = records[0]?.type === 'world' ? records[0] : undefined
    return { world, actions: world ? (records.slice(1) as ActionRecord[]) : [], dropped: world ? dropped : dropped + records.length }
  }

  /** The world record alone (the first line), without reading or repairing the rest. */
  peekWorld(): WorldRecord | undefined {
    let fd: number
    try {
      fd = fs.openSync(this.file, 'r')
    } catch {
      return undefined
    }
    try {
      // The world record holds 50 streams' baseline statistics: tens of kilobytes.
      const buf = Buffer.alloc(256 * 1024)
      const text = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0))
      const nl = text.indexOf('\n')
      const r = nl < 0 ? undefined : decode(text.slice(0, nl))
      return r?.type === 'world' ? r : undefined
    } finally {
      fs.closeSync(fd)
    }
  }

  /** Start afresh: the old journal (another world) is kept beside, renamed, never deleted. */
  archive(wallNow: number): string | undefined {
    this.close()
    if (!fs.existsSync(this.file)) return undefined
    const to = path.join(this.dir, `journal-${new Date(wallNow).toISOString().replace(/[:.]/g, '-')}.ndjson`)
    fs.renameSync(this.file, to)
    return to
  }

  /** Rewrite as the world, its actions and the checkpoints of the last `keepMs`, atomically. */
  compact(world: WorldRecord, actions: ActionRecord[], keepMs: number): void {
    this.close()
    const last = actions.reduce((m, a) => Math.max(m, a.at), world.startMs)
    const kept = actions.filter((a) => a.type !== 'checkpoint' || a.at >= last - keepMs)
    const tmp = `${this.file}.tmp`
    fs.mkdirSync(this.dir, { recursive: true })
    fs.writeFileSync(tmp, [world, ...kept].map(encode).join(''))
    fs.renameSync(tmp, this.file)
  }

  append(r: JournalRecord, durable: boolean): void {
    if (this.fd === undefined) {
      fs.mkdirSync(this.dir, { recursive: true })
      this.fd = fs.openSync(this.file, 'a')
    }
    fs.writeSync(this.fd, encode(r))
    if (durable) fs.fsyncSync(this.fd)
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }
}
