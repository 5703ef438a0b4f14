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
  /** A last line without its newline (a write torn by a crash): the only thing ever cut off. */
  torn: boolean
  /** 1-based line numbers of damaged records with good ones after them (or no world record before): skipped, never cut. */
  damaged: number[]
  /** Good records after a first line that is not a world record: they belong to no world this server can rebuild. */
  orphans: number
  /** Where the file, as it was before any repair, was kept (a repair with damaged lines only). */
  kept?: string
}

export interface JournalSink {
  append(r: JournalRecord, durable: boolean): void
}

export const IN_MEMORY = ':memory:'

/** The journal path cannot be used (not a file, a directory that cannot be written): nothing sensible can be done without the operator. */
export class JournalPathError extends Error {}

export class Journal implements JournalSink {
  readonly file: string
  private fd: number | undefined
  /** The file this journal writes (device and inode): one moved away or replaced is noticed. */
  private identity: { dev: number; ino: number } | undefined
  /** A write failed part-way: the next one starts on a fresh line, so the torn bytes damage no good record. */
  private partial = false

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'journal.ndjson')
  }

  /**
   * Read every good record. A damaged line in the middle (a changed byte, a bad disk) is
   * skipped and every good record after it kept: each line carries its own CRC, so one bad
   * record says nothing about the next. Only a last line without its newline (a write torn by
   * a crash) is cut off. With `repair` (the server at start), a file with damaged lines is
   * first copied aside as it was (`kept`), then rewritten with its good records; a reader
   * beside the server (the export) changes nothing.
   */
  read(repair = true): JournalRead {
    const none: JournalRead = { world: undefined, actions: [], torn: false, damaged: [], orphans: 0 }
    let stat: fs.Stats
    try {
      stat = fs.statSync(this.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return none
      throw new JournalPathError(`${this.file} cannot be read (${(err as Error).message})`)
    }
    if (!stat.isFile()) throw new JournalPathError(`${this.file} is not a file (a ${stat.isDirectory() ? 'directory' : 'special file'} stands there)`)
    const text = fs.readFileSync(this.file, 'utf8')
    const lines = text.split('\n')
    // The text after the last newline: empty in a whole file, a torn record after a crash.
    const tail = lines.pop()!
    const records: JournalRecord[] = []
    const damaged: number[] = []
    lines.forEach((line, i) => {
      const r = decode(line)
      if (r) records.push(r)
      else if (line.length > 0) damaged.push(i + 1)
    })
    const torn = tail.length > 0
    const world = records[0]?.type === 'world' ? records[0] : undefined
    const read: JournalRead = {
      world,
      actions: world ? (records.slice(1) as ActionRecord[]) : [],
      torn,
      damaged,
      orphans: world ? 0 : records.length,
    }
    if (!repair) return read
    if (damaged.length > 0 || read.orphans > 0) {
      // Without a world record there is nothing to repair toward: the caller puts the file aside whole.
      if (!world) return read
      read.kept = this.keepAside('damaged')
      const tmp = `${this.file}.tmp`
      fs.writeFileSync(tmp, records.map(encode).join(''))
      fs.renameSync(tmp, this.file)
    } else if (torn) fs.truncateSync(this.file, Buffer.byteLength(text) - Buffer.byteLength(tail))
    return read
  }

  /** The world record alone (the first line), without reading or repairing the rest. */
  peekWorld(): WorldRecord | undefined {
    let fd: number
    try {
      fd = fs.openSync(this.file, 'r')
    } catch {
      return undefined
    }
    // A directory opens but cannot be read: the start then says what stands there (read()).
    try {
      // The world record holds 50 streams' baseline statistics: tens of kilobytes.
      const buf = Buffer.alloc(256 * 1024)
      const text = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0))
      const nl = text.indexOf('\n')
      const r = nl < 0 ? undefined : decode(text.slice(0, nl))
      return r?.type === 'world' ? r : undefined
    } catch {
      return undefined
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
    this.identity = undefined
    return to
  }

  /** A copy of the file as it is now, beside it under a name no other copy has; returns its path. */
  private keepAside(why: string): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    for (let n = 0; ; n++) {
      const to = path.join(this.dir, `journal-${why}-${stamp}${n > 0 ? `-${n}` : ''}.ndjson`)
      try {
        fs.copyFileSync(this.file, to, fs.constants.COPYFILE_EXCL)
        return to
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
    }
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
    const st = fs.statSync(this.file)
    this.identity = { dev: st.dev, ino: st.ino }
  }

  /**
   * Write one record (and flush it to disk when `durable`). Throws when it cannot: the caller
   * decides what that means (a control is refused, a checkpoint waits for the next one); the
   * next append tries again from scratch.
   */
  append(r: JournalRecord, durable: boolean): void {
    const fd = this.open()
    try {
      fs.writeSync(fd, this.partial ? `\n${encode(r)}` : encode(r))
      this.partial = false
      if (durable) fs.fsyncSync(fd)
    } catch (err) {
      this.partial = true
      this.close()
      throw err
    }
  }

  /**
   * The open file, reopened when the one at the path is no longer the one being written (moved
   * away, deleted, replaced): appends to a file no restart reads would be acknowledged and lost.
   * Only the first open creates the file; a journal that vanished later is not begun again
   * without its world record (the append fails, saying the path, until it is back).
   */
  private open(): number {
    if (this.fd !== undefined) {
      const st = fs.statSync(this.file, { throwIfNoEntry: false })
      if (st && st.dev === this.identity?.dev && st.ino === this.identity.ino) return this.fd
      this.close()
    }
    const create = this.identity === undefined
    if (create) fs.mkdirSync(this.dir, { recursive: true })
    const fd = fs.openSync(this.file, create ? 'a' : fs.constants.O_WRONLY | fs.constants.O_APPEND)
    const st = fs.fstatSync(fd)
    if (!st.isFile()) {
      fs.closeSync(fd)
      throw new JournalPathError(`${this.file} is not a file`)
    }
    this.fd = fd
    this.identity = { dev: st.dev, ino: st.ino }
    return fd
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }
}
