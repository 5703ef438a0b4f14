import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { loadConfig, ConfigError } from '../server/src/config/load.js'
import { buildApp } from '../server/src/app.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { copyConfig, editJson, ROOT_DIR } from './helpers.js'

/** Load a broken copy and return the one-line problems it reports. */
function problemsOf(dir: string): string[] {
  try {
    loadConfig(dir)
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${path.basename(p.file)}: ${p.path}: ${p.problem}`)
    throw e
  }
  return []
}

t.test('the shipped config is valid and complete', async (t) => {
  const world = loadConfig(DEFAULT_CONFIG_DIR)
  t.equal(world.streams.streams.length, 50)
  t.equal(world.scenarios.length, 9)
  t.equal(world.externalEvents.templates.length, 29)
  t.equal(new Set(world.externalEvents.templates.map((x) => x.type)).size, 6, 'templates span all six types')
  // The session funnel is sized by the volume target: completions ≈ 24,000 a weekday.
  t.equal(world.streamByName.get('session.completed')!.eventsPerDay, world.streams.volumeTargets.completedSessionsPerDay)
  for (const chain of world.relationships.chains.filter((c) => c.mode === 'outcome')) {
    const sum = chain.branches.reduce((a, b) => a + b.probability, 0)
    t.ok(Math.abs(sum - 1) < 1e-9, `${chain.id} outcomes sum to 1`)
  }
})

t.test('an unknown stream name is named with file and path', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'scenarios/exam-season-surge.json', (j) => {
    j.affectedStreams['customer.tutor.serch'] = { multiplier: 2 }
  })
  t.same(problemsOf(dir), ['exam-season-surge.json: $.affectedStreams["customer.tutor.serch"]: unknown stream "customer.tutor.serch"'])
})

t.test('a multiplier ≤ 0 is refused', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'scenarios/supply-crisis.json', (j) => {
    j.affectedStreams['tutor.availability.set'].multiplier = 0
  })
  const [problem, ...rest] = problemsOf(dir)
  t.same(rest, [])
  t.match(problem, /^supply-crisis\.json: \$\.affectedStreams\["tutor\.availability\.set"\]\.multiplier: expected number to be greater than 0 \(got 0\)$/)

  const dir2 = copyConfig(t)
  editJson(dir2, 'relationships.json', (j) => {
    j.cascades[0].multiplier = -1.3
  })
  t.match(problemsOf(dir2), [/^relationships\.json: \$\.cascades\[0\]\.multiplier: expected number to be greater than 0/])
})

t.test('an unparseable duration ("2 fortnights") is refused', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'scenarios/churn-pattern.json', (j) => {
    j.duration = '2 fortnights'
  })
  t.match(problemsOf(dir), [/^churn-pattern\.json: \$\.duration: unparseable duration "2 fortnights"/])

  const dir2 = copyConfig(t)
  editJson(dir2, 'relationships.json', (j) => {
    j.chains[0].branches[0].delay = '2-10 fortnights'
  })
  t.match(problemsOf(dir2), [/^relationships\.json: \$\.chains\[0\]\.branches\[0\]\.delay: unparseable delay "2-10 fortnights"/])
})

t.test('outcome probabilities of one branch set that do not sum to 1 are refused', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'relationships.json', (j) => {
    const chain = j.chains.find((c: { id: string }) => c.id === 'booking-outcome')
    chain.branches[0].probability = 0.7
  })
  t.match(problemsOf(dir), [/^relationships\.json: \$\.chains\[3\]\.branches: outcome probabilities of chain "booking-outcome" sum to 0\.95, expected 1$/])
})

t.test('a cascade trigger that does not exist is refused', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'relationships.json', (j) => {
    j.cascades[2].trigger = 'session.no_show.teacher'
  })
  t.same(problemsOf(dir), ['relationships.json: $.cascades[2].trigger: unknown stream "session.no_show.teacher"'])

  const dir2 = copyConfig(t)
  editJson(dir2, 'scenarios/payment-outage.json', (j) => {
    j.cascadeEffects[0].trigger = 'payment.failure'
  })
  t.same(problemsOf(dir2), ['payment-outage.json: $.cascadeEffects[0].trigger: unknown stream "payment.failure"'])
})

t.test('other mistakes: misspelt key, bad JSON, missing file, unlisted scenario, bad condition, bad weights', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'calendar.json', (j) => {
    j.dayOfWeek.weekendFactr = 1.35
  })
  fs.writeFileSync(path.join(dir, 'external-events.json'), '{ "categories": ')
  fs.writeFileSync(path.join(dir, 'scenarios', 'stray.json'), '{}')
  editJson(dir, 'relationships.json', (j) => {
    j.cascades[7].condition = 'rating_score <<< 3'
  })
  editJson(dir, 'streams.json', (j) => {
    j.streams[30].payload.rating_score.weights = [0.5, 0.5]
  })
  const problems = problemsOf(dir)
  t.match(problems, [
    /^calendar\.json: \$\.dayOfWeek\.weekendFactr: unknown key/,
    /^external-events\.json: \$: invalid JSON/,
    /^streams\.json: \$\.streams\[30\]\.payload\.rating_score\.weights: 2 weights for 5 values$/,
    /^relationships\.json: \$\.cascades\[7\]\.condition: unparseable condition "rating_score <<< 3"/,
    /^index\.json: \$\.scenarios: scenarios\/stray\.json is not listed in the index$/,
  ])
  t.equal(problems.length, 5, 'every problem is reported at once')

  const dir2 = copyConfig(t)
  fs.rmSync(path.join(dir2, 'calendar.json'))
  t.same(problemsOf(dir2), ['calendar.json: $: file is missing or unreadable'])
})

t.test('buildApp refuses an invalid config before serving anything', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'scenarios/quality-crisis.json', (j) => {
    j.settlementDuration = 'a while'
  })
  await t.rejects(buildApp({ configDir: dir }), ConfigError)
})

t.test('the server process stops with the file, path and problem on stderr', async (t) => {
  const dir = copyConfig(t)
  editJson(dir, 'scenarios/recruiting-crisis.json', (j) => {
    j.affectedStreams['tutor.application.received'].multiplier = -0.5
  })
  const r = spawnSync(process.execPath, [path.join(ROOT_DIR, 'server/dist/server.js')], {
    env: { ...process.env, CONFIG_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 20_000,
  })
  t.equal(r.status, 1)
  t.match(r.stderr, /Cannot start: Invalid configuration \(1 problem\)/)
  t.match(r.stderr, /recruiting-crisis\.json: \$\.affectedStreams\["tutor\.application\.received"\]\.multiplier: expected number to be greater than 0/)
})
