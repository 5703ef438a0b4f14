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
