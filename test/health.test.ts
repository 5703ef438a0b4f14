import t from 'tap'
import { ApiError, HealthResponse } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'

t.test('health is 503 in the envelope until the simulation has started, then 200', async (t) => {
  const app = await build(t, { autoStart: false })
  const before = await app.inject('/api/health')
  t.equal(before.statusCode, 503)
  t.same(schemaErrors(ApiError, before.json()), [])
  t.equal(before.json().error.code, 'NOT_READY')

  await app.streams.start()
  const after = await app.inject('/api/health')
  t.equal(after.statusCode, 200)
  t.same(schemaErrors(HealthResponse, after.json()), [])
  t.same(after.json(), { status: 'ok' })
})

t.test('an app built with the defaults is ready as soon as it is', async (t) => {
  const app = await build(t)
  t.equal((await app.inject('/api/health')).statusCode, 200)
})

t.test('a degraded server still answers 200, says degraded and why, and recovers', async (t) => {
  const app = await build(t)
  app.health.degrade('JOURNAL_UNWRITABLE', 'the journal cannot be written')
  const res = await app.inject('/api/health')
  t.equal(res.statusCode, 200, 'still serving: a load balancer keeps it')
  t.same(schemaErrors(HealthResponse, res.json()), [])
  t.match(res.json(), { status: 'degraded', reasons: [{ code: 'JOURNAL_UNWRITABLE', message: 'the journal cannot be written' }] })
  app.health.recover('JOURNAL_UNWRITABLE')
  t.same((await app.inject('/api/health')).json(), { status: 'ok' })
})
