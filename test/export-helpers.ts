/** What the export tests share: the small world's options and main() run in-process. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type { StreamEvent } from '@marketsim/shared-types'
import { main } from '../server/src/export/cli.js'
import { TEST_START } from './helpers.js'

export const MIN = 60_000
import { iso } from './helpers.js'
export { iso }
/** The small world every case uses: seed 7, live start TEST_START, one day of history. */
export const WORLD = ['--seed', '7', '--start', iso(TEST_START), '--history-days', '1']

export function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-'))
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** main() in-process: exit code, stdout and stderr as text. */
export async function exportRun(args: string[], io: { tty?: boolean; now?: () => number } = {}) {
  const stdout = new PassThrough()
  const chunks: Buffer[] = []
  stdout.on('data', (c: Buffer) => chunks.push(c))
  let stderr = ''
  const code = await main(args, { stdout, stderr: { write: (s: string) => (stderr += s), isTTY: io.tty }, now: io.now })
  return { code, stdout: Buffer.concat(chunks).toString(), stderr }
}

export const lines = (text: string) => text.split('\n').filter(Boolean)
export const parse = (text: string): StreamEvent[] => lines(text).map((l) => JSON.parse(l))
