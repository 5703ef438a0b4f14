/**
 * Memory stays bounded on the real process, as deployed: the default 30 days of history, no
 * journal, the allocator settings of the Dockerfile. Five activate/reset cycles, a backdated
 * activation and a burst at 600×, all through the API; after each phase the resident set
 * (/proc/<pid>/status) must stay under the bound, and resets must not pile worlds up.
 */
import fs from 'node:fs'
import t from 'tap'
import { deployedMallocEnv, startServer } from '../scripts/lib/server-process.mjs'

/** The resident set a phase may end with (MB). */
const RSS_LIMIT_MB = 460
/** What five more resets may add to the first one's resident set (MB): a retained world is ~100. */
const RESET_GROWTH_MB = 40

const linux = fs.existsSync('/proc/self/status')

t.test('RSS stays bounded through resets, a backdated activation and 600×', { skip: linux ? false : 'reads /proc' }, async (t) => {
  const server = await startServer({ env: { SIM_HISTORY_DAYS: '30', ...deployedMallocEnv() }, readyTimeoutMs: 120_000 })
  t.teardown(() => server.stop())
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024
  const post = async (url: string, body?: object) => {
    const res = await fetch(server.url + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })
    t.equal(res.status, 200, `${url} ${JSON.stringify(body ?? {})}: ${res.status === 200 ? 'ok' : await res.text()}`)
    return (await res.json()) as any
  }
  const phase = (name: string) => {
    const mb = rssMb()
    t.ok(mb <= RSS_LIMIT_MB, `${name}: RSS ${mb.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`)
    return mb
  }

  phase('ready')
  const afterCycle: number[] = []
  for (let i = 0; i < 5; i++) {
    await post('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
    await post('/api/simulation/reset')
    afterCycle.push(phase(`activate/reset cycle ${i + 1}`))
  }
  t.ok(afterCycle[4]! - afterCycle[0]! <= RESET_GROWTH_MB, `five resets keep one world: ${afterCycle.map((x) => x.toFixed(0)).join(', ')} MB`)

  const clock = (await (await fetch(server.url + '/api/simulation/clock')).json()) as { currentSimulationTime: string }
  const tenDaysBack = new Date(Date.parse(clock.currentSimulationTime) - 10 * 86_400_000).toISOString()
  await post('/api/simulation/scenario', { scenarioId: 'supply-crisis', startTime: tenDaysBack })
  phase('backdated activation')

  await post('/api/simulation/clock', { speed: 600 })
  for (let s = 0; s < 4; s++) {
    await new Promise((r) => setTimeout(r, 3000))
    phase(`600× for ${3 * (s + 1)} s`)
  }
  await post('/api/simulation/reset')
  phase('reset at 600×')
})
