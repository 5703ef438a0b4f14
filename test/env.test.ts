import t from 'tap'
import { EnvError, readEnv } from '../server/src/env.js'

t.test('with no environment every setting has a working default', async (t) => {
  const env = readEnv({})
  t.equal(env.port, 3000)
  t.equal(env.host, '0.0.0.0')
  t.equal(env.logLevel, 'info')
  t.equal(env.app.corsOrigins, '*')
  t.equal(env.app.configDir, undefined)
})

t.test('settings come from PORT, HOST, LOG_LEVEL, CORS_ORIGINS, CONFIG_DIR', async (t) => {
  const env = readEnv({ PORT: '8080', HOST: '127.0.0.1', LOG_LEVEL: 'warn', CORS_ORIGINS: 'https://a.example, https://b.example', CONFIG_DIR: '/etc/sim' })
  t.equal(env.port, 8080)
  t.equal(env.host, '127.0.0.1')
  t.equal(env.logLevel, 'warn')
  t.same(env.app.corsOrigins, ['https://a.example', 'https://b.example'])
  t.equal(env.app.configDir, '/etc/sim')
})

t.test('malformed values stop the boot naming the variable', async (t) => {
  t.throws(() => readEnv({ PORT: 'eighty' }), new EnvError('PORT=eighty: expected an integer from 0 to 65535'))
  t.throws(() => readEnv({ PORT: '70000' }), /PORT=70000/)
  t.throws(() => readEnv({ LOG_LEVEL: 'loud' }), /LOG_LEVEL=loud/)
})

t.test('TRUST_PROXY: off by default, true or a hop count, anything else refused', async (t) => {
  t.equal(readEnv({}).app.trustProxy, false)
  t.equal(readEnv({ TRUST_PROXY: 'true' }).app.trustProxy, true)
  t.equal(readEnv({ TRUST_PROXY: '2' }).app.trustProxy, 2)
  t.throws(() => readEnv({ TRUST_PROXY: 'yes' }), /TRUST_PROXY=yes: expected true, false or a number of proxy hops/)
})

t.test('an empty variable is an unset one; the world and WebSocket settings are bounded the same way', async (t) => {
  const empty = readEnv({ PORT: '', LOG_LEVEL: '', SIM_SEED: '', SIM_SPEED: '', CORS_ORIGINS: '', UNRELATED: 'ignored' })
  t.equal(empty.port, 3000)
  t.equal(empty.logLevel, 'info')
  t.equal(empty.app.corsOrigins, '*')
  t.same(empty.app.simulation, { seed: undefined, startMs: undefined, historyDays: undefined, speed: undefined }, 'left to buildApp')
  t.same(readEnv({ SIM_SEED: '7', SIM_START: '2025-03-10T09:00:00Z', SIM_HISTORY_DAYS: '3', SIM_SPEED: '0.5' }).app.simulation, { seed: 7, startMs: Date.parse('2025-03-10T09:00:00Z'), historyDays: 3, speed: 0.5 })
  t.throws(() => readEnv({ SIM_SPEED: '3601' }), new EnvError('SIM_SPEED=3601: expected a number from 0 to 3600'))
  t.throws(() => readEnv({ SIM_HISTORY_DAYS: '0' }), new EnvError('SIM_HISTORY_DAYS=0: expected an integer from 1 to 90'))
  t.throws(() => readEnv({ SIM_START: 'tomorrow' }), new EnvError('SIM_START=tomorrow: expected an ISO-8601 time such as 2025-03-10T09:00:00Z'))
  t.throws(() => readEnv({ SIM_START: '2025-13-45T00:00:00Z' }), /SIM_START=2025-13-45T00:00:00Z: expected an ISO-8601 time/, 'shaped like a time, but no date')
  t.throws(() => readEnv({ WS_MAX_BUFFER_BYTES: '10' }), new EnvError('WS_MAX_BUFFER_BYTES=10: expected an integer from 1024 to 1073741824'))
})
