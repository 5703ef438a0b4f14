/**
 * The console's token handling against a real protected server, without a DOM: a 401 opens the
 * question, a wrong token is said to be wrong and asked for again, the right one is kept for the
 * session and the action goes through; cancelling changes nothing and says why.
 */
import net from 'node:net'
import t from 'tap'
import { createApi } from '../../admin-ui/src/api.js'
import { createAuth, type TokenStore } from '../../admin-ui/src/models/auth.js'
import { createClock } from '../../admin-ui/src/models/clock.js'
import { createScenarios } from '../../admin-ui/src/models/scenarios.js'
import { build } from '../helpers.js'

const TOKEN = 'console-admin-token-42'

function memoryStore(): TokenStore & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) }
}

/** Resolves once the model asks for the token (the dialog would open). */
async function asked(auth: ReturnType<typeof createAuth>): Promise<string> {
  for (let i = 0; i < 1000 && !auth.asking.value; i++) await new Promise((r) => setTimeout(r, 2))
  return auth.asking.value ?? 'never asked'
}

async function consoleOn(t: Parameters<typeof build>[0], store: TokenStore) {
  const app = await build(t, { controls: { adminToken: TOKEN } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const auth = createAuth(store)
  const api = createApi({ fetch: (i, init) => fetch(i, init), base: `http://127.0.0.1:${port}` }, () => auth.token.value)
  const scenarios = createScenarios(api, createClock(), () => Date.now(), () => {}, auth)
  await scenarios.load()
  return { app, auth, scenarios }
}

t.test('a protected server: the console asks once, says when the token is wrong, then acts', async (t) => {
  const store = memoryStore()
  const { auth, scenarios } = await consoleOn(t, store)
  const done = scenarios.activate('exam-season-surge')
  t.equal(await asked(auth), 'needed', 'the 401 opens the question')
  auth.submit('not-the-admin-token')
  t.equal(await asked(auth), 'refused', 'a wrong token is said to be wrong and asked for again')
  t.equal(store.items.size, 0, 'a refused token is not kept')
  auth.submit(`  ${TOKEN} `)
  t.equal(await done, true, 'the action went through with the right token')
  t.equal(scenarios.state.value?.baselineState, 'custom')
  t.equal(store.items.get('marketsim.adminToken'), TOKEN, 'kept for the session')
  t.equal(await scenarios.stop(), true, 'the next control sends it without asking')
  t.equal(auth.asking.value, undefined)
})

t.test('cancelling the question changes nothing and says why in words', async (t) => {
  const { auth, scenarios } = await consoleOn(t, memoryStore())
  const done = scenarios.setSpeed(60)
  await asked(auth)
  auth.cancel()
  t.equal(await done, false)
  t.match(scenarios.error.value, /need the admin token; nothing was changed/)
  t.not(scenarios.state.value, undefined)
})

t.test('a token kept from earlier in the session is used straight away', async (t) => {
  const store = memoryStore()
  store.setItem('marketsim.adminToken', TOKEN)
  const { auth, scenarios } = await consoleOn(t, store)
  t.equal(await scenarios.setSpeed(10), true)
  t.equal(auth.asking.value, undefined, 'never asked')
})
