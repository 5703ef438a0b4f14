/**
 * `npm run export` as a user runs it: the process and its files (determinism, CSV that reads
 * back, --streams), bad input, and what it says on a terminal.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { CSV_HEADER } from '../server/src/export/format.js'
import { ROOT_DIR, TEST_START } from './helpers.js'
import { MIN, WORLD, exportRun, iso, parse, tmpDir } from './export-helpers.js'

t.test('the CLI process: byte-identical files, CSV that parses back to the same rows, a --streams filter', async (t) => {
  const dir = tmpDir(t)
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts/export.mjs'), ...WORLD, '--from', iso(TEST_START), '--to', iso(TEST_START + 3 * MIN), ...args], {
      encoding: 'utf8',
    })
  const runs = [cli(['--out', path.join(dir, 'a.ndjson')]), cli(['--out', path.join(dir, 'b.ndjson')]), cli(['--format', 'csv', '--out', path.join(dir, 'c.csv')])]
  for (const r of runs) t.equal(r.status, 0, r.stderr)
  const a = fs.readFileSync(path.join(dir, 'a.ndjson'))
  t.ok(a.equals(fs.readFileSync(path.join(dir, 'b.ndjson'))), 'the same arguments give a byte-identical file')
  const events = parse(a.toString())
  t.ok(events.length > 3000, `${events.length} events`)

  const csv = fs.readFileSync(path.join(dir, 'c.csv'), 'utf8')
  t.ok(csv.startsWith(CSV_HEADER), 'a header row')
  const rows = readCsv(csv)
  t.same(rows[0], ['stream', 'timestamp', 'seq', 'normalizedValue', 'anomalyFlag', 'data'])
  t.equal(rows.length - 1, events.length, 'one row per NDJSON line')
  const back = rows.slice(1).map(([stream, timestamp, seq, nv, flag, data]) => ({ stream, timestamp, data: JSON.parse(data!), seq: Number(seq), normalizedValue: Number(nv), anomalyFlag: flag }))
  t.ok(JSON.stringify(back) === JSON.stringify(events), 'every row reads back as its event')

  const only = ['session.booking.confirmed', 'support.ticket.created']
  const filtered = cli(['--streams', only.join(',')])
  t.equal(filtered.status, 0, filtered.stderr)
  t.ok(JSON.stringify(parse(filtered.stdout)) === JSON.stringify(events.filter((e) => only.includes(e.stream))), '--streams keeps those streams, the same events')
  t.ok(parse(filtered.stdout).length > 0)
})

/** RFC 4180, as pandas and Postgres COPY read it: quoted fields with doubled quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(field), (field = '')
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '')
    else field += c
  }
  return rows
}

t.test('bad input: exit code 2, one line naming the problem, no file', async (t) => {
  const dir = tmpDir(t)
  const out = path.join(dir, 'x.ndjson')
  const window = ['--from', iso(TEST_START), '--to', iso(TEST_START + MIN)]
  const cases: Array<[string, string[], RegExp]> = [
    ['no --to', ['--from', iso(TEST_START)], /--from and --to are required/],
    ['an unparseable time', ['--from', 'yesterday', '--to', iso(TEST_START)], /--from yesterday: expected an ISO-8601 time/],
    ['a time without a zone', ['--from', '2026-11-26T08:00:00', '--to', iso(TEST_START)], /--from 2026-11-26T08:00:00: expected an ISO-8601 time with a zone/],
    ['to before from', ['--from', iso(TEST_START), '--to', iso(TEST_START - MIN)], /--to .* must be after --from/],
    ['a window before the history', ['--from', iso(TEST_START - 2 * 86_400_000), '--to', iso(TEST_START)], /lies before the world's history, which starts at 2026-11-25T08:00:00Z/],
    ['unknown streams', [...window, '--streams', 'session.started,no.such,nor.this'], /unknown streams no\.such, nor\.this/],
    ['a bad format', [...window, '--format', 'xml'], /--format xml: expected ndjson or csv/],
    ['a bad seed', [...window, '--seed', '4.5'], /--seed 4.5: expected an integer from 0/],
    ['too much history', [...window, '--history-days', '91'], /--history-days 91: expected an integer from 1 to 90/],
    ['an unknown option', [...window, '--fromm', 'x'], /Unknown option '--fromm'/],
    ['--truth to stdout', [...window, '--truth'], /--truth writes <out>\.truth\.ndjson.*give --out/],
    ['--out in a missing directory', [...window, '--out', path.join(dir, 'nope', 'x.ndjson')], /directory .*nope does not exist/],
    ['an unknown scenario', [...window, '--scenario', `no-such@${iso(TEST_START)}`], /--scenario no-such: no such scenario/],
    ['overlapping scenarios', [...window, '--scenario', `payment-outage@${iso(TEST_START - 60 * MIN)}`, '--scenario', `supply-crisis@${iso(TEST_START)}`], /payment-outage is still active or settling then/],
    ['a broken config directory', [...window, '--config', dir], /Invalid configuration/],
  ]
  for (const [name, args, message] of cases) {
    // Later options win, so a case may override the small world's.
    const r = await exportRun([...WORLD, ...args, ...(args.includes('--out') || name === '--truth to stdout' ? [] : ['--out', out])])
    t.equal(r.code, 2, `${name}: exit 2`)
    t.match(r.stderr, message, `${name}: ${r.stderr.split('\n')[0]}`)
    t.equal(r.stdout, '', `${name}: nothing on stdout`)
  }
  t.same(fs.readdirSync(dir), [], 'no file, not even a temporary one')
  const child = spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts/export.mjs'), '--from', 'soon', '--to', 'later'], { encoding: 'utf8' })
  t.equal(child.status, 2, 'the process exits 2')
  t.match(child.stderr, /^export: --from soon: expected an ISO-8601 time/)
})

t.test('on a terminal a progress bar redraws in place, then the summary replaces it', async (t) => {
  let clock = 0
  const r = await exportRun([...WORLD, '--from', iso(TEST_START), '--to', iso(TEST_START + 2 * MIN)], { tty: true, now: () => (clock += 50) })
  t.equal(r.code, 0, r.stderr)
  const frames = r.stderr.split('\r').filter(Boolean)
  t.ok(frames.length > 3, `${frames.length} redraws`)
  t.match(frames[1], /^\[[#-]{24}\] +\d+%  2026-11-\d\dT\d\d:\d\d:\d\dZ  [\d,]+ events  [\d,]+\/s$/)
  t.match(frames.at(-2), /^\[#{24}\] 100%  2026-11-26T08:02:00Z  [\d,]+ events/, 'the last frame is the end of the window')
  t.match(frames.at(-1), /^\x1b\[Kexport: [\d,]+ events to stdout/, 'the bar is cleared for the summary')
})

t.test('--help (or -h, wherever it stands) prints the usage and every option on stdout and exits 0', async (t) => {
  for (const args of [['--help'], ['-h'], ['--from', 'garbage', '--help'], ['--fromm', 'x', '-h']]) {
    const r = await exportRun(args)
    t.equal(r.code, 0, `${args.join(' ')}: exit 0`)
    t.match(r.stdout, /^usage: npm run -s export -- --from <ISO> --to <ISO>/, 'starts with the usage')
    t.equal(r.stderr, '', 'nothing on stderr: help is not an error')
    // Every option the parser accepts is explained.
    for (const flag of ['--from', '--to', '--start', '--history-days', '--seed', '--streams', '--format', '--out', '--truth', '--scenario', '--journal', '--world', '--config', '--progress', '--help']) {
      t.match(r.stdout, new RegExp(`\\n  (-h, |--from, )?${flag}[ ,]`), `${flag} is explained`)
    }
  }
  const child = spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts/export.mjs'), '--help'], { encoding: 'utf8' })
  t.equal(child.status, 0, 'the process exits 0')
  t.match(child.stdout, /^usage: /)
  t.match(child.stdout, /Exit codes: 0 done/)
})

t.test('--progress decides the bar: off on a terminal draws none, on draws one into a log; a bad value is exit 2', async (t) => {
  const window = [...WORLD, '--from', iso(TEST_START), '--to', iso(TEST_START + MIN)]
  const off = await exportRun([...window, '--progress', 'off'], { tty: true })
  t.equal(off.code, 0)
  t.notMatch(off.stderr, /\r/, 'no bar')
  t.match(off.stderr, /^export: [\d,]+ events to stdout/, 'the summary only')
  let clock = 0
  const on = await exportRun([...window, '--progress', 'on'], { tty: false, now: () => (clock += 50) })
  t.match(on.stderr, /\r\[[#-]{24}\]/, 'a bar although stderr is no terminal')
  const bad = await exportRun([...window, '--progress', 'sometimes'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--progress sometimes: expected auto, on or off/)
})

t.test('the process through a real pipe: quiet by default (one summary line), a bar when --progress on forces it', async (t) => {
  const window = [path.join(ROOT_DIR, 'scripts/export.mjs'), ...WORLD, '--from', iso(TEST_START), '--to', iso(TEST_START + 2 * MIN)]
  // spawnSync pipes stdout and stderr: neither is a terminal.
  const opts = { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 } as const
  const piped = spawnSync(process.execPath, window, opts)
  t.equal(piped.status, 0, piped.stderr)
  t.ok(parse(piped.stdout).length > 0, 'the events on stdout')
  t.notMatch(piped.stderr, /\r|\x1b/, 'no carriage returns or escapes in a log')
  t.match(piped.stderr, /^export: [\d,]+ events to stdout in [\d.]+ s.*\n$/, 'one summary line')
  t.equal(piped.stderr.split('\n').filter(Boolean).length, 1)
  const forced = spawnSync(process.execPath, [...window, '--progress', 'on'], opts)
  t.equal(forced.status, 0, forced.stderr)
  t.match(forced.stderr, /\r\[#{24}\] 100%/, 'the bar, ending at 100%')
  t.match(forced.stderr, /\r\x1b\[Kexport: [\d,]+ events to stdout/, 'cleared for the summary')
  t.equal(forced.stdout, piped.stdout, 'the bar never touches the data')
})
