/**
 * /docs/asyncapi.json: the WebSocket protocol as AsyncAPI 3.0, valid for @asyncapi/parser,
 * generated from the shared-types message unions, and describing the frames the server really
 * sends.
 */
import { Parser } from '@asyncapi/parser'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { WsClientMessage, WsServerMessage, type StreamInfo } from '@marketsim/shared-types'
import { build } from './helpers.js'
import { client, server, type Msg } from './ws-helpers.js'

type Doc = {
  asyncapi: string
  servers: Record<string, { host: string; protocol: string }>
  channels: Record<string, { address: string; description: string; messages: Record<string, { $ref: string }> }>
  operations: Record<string, { action: string; messages: { $ref: string }[] }>
  components: { schemas: Record<string, unknown>; messages: Record<string, { payload: { $ref: string } }> }
}

const typeOf = (member: { properties: { type: { const?: unknown } } }) => String(member.properties.type.const)

t.test('the AsyncAPI document is valid for @asyncapi/parser', async (t) => {
  const app = await build(t)
  const res = await app.inject('/docs/asyncapi.json')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(res.json().asyncapi, '3.0.0')
  const { document, diagnostics } = await new Parser().parse(res.body)
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  t.same(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`), [], 'no errors, no warnings')
  t.ok(document, 'parsed')
  t.same(document!.channels().all().map((c) => c.address()), ['/ws'])
  t.equal(document!.messages().all().length, WsClientMessage.anyOf.length + WsServerMessage.anyOf.length, 'one message per message schema')
})

t.test('every client and server message of shared-types is a message, received or sent, with its schema', async (t) => {
  const app = await build(t)
  const doc: Doc = (await app.inject({ url: '/docs/asyncapi.json', headers: { host: 'sim.example:8080', 'x-forwarded-proto': 'https' } })).json()
  t.same(doc.servers.simulator, { ...doc.servers.simulator, host: 'sim.example:8080', protocol: 'ws' }, 'the host asked; ws without a trusted proxy')
  const channel = doc.channels.live!
  for (const [members, action] of [[WsClientMessage.anyOf, 'receive'], [WsServerMessage.anyOf, 'send']] as const) {
    for (const m of members) {
      const type = typeOf(m)
      t.same(channel.messages[type], { $ref: `#/components/messages/${type}` }, `${type} is on the channel`)
      t.same(doc.components.messages[type]?.payload, { $ref: `#/components/schemas/${m.title}` }, `${type} carries ${m.title}`)
      const ops = Object.values(doc.operations).filter((o) => o.messages.some((r) => r.$ref === `#/channels/live/messages/${type}`))
      t.same(ops.map((o) => o.action), [action], `${type}: the server ${action}s it`)
    }
  }
  t.ok(doc.components.schemas.StreamEvent, 'StreamEvent is a named component here too')
})

t.test('the channel lists the topics as the server resolves them', async (t) => {
  const app = await build(t)
  const doc: Doc = (await app.inject('/docs/asyncapi.json')).json()
  const text = doc.channels.live!.description
  const catalog: StreamInfo[] = (await app.inject('/api/streams')).json().streams
  for (const s of catalog) t.match(text, `\`${s.name}\``, `${s.name} is listed`)
  const row = (topic: string) => text.split('\n').find((l) => l.startsWith(`| \`${topic}\``)) ?? ''
  t.match(row('marketing.*'), '`seo.organic.traffic`', 'marketing.* includes seo (the domain alias)')
  t.match(row('system.*'), '`api.request.log`', 'system.* includes its five streams')
  for (const special of ['*', 'anomalies', 'simulation', 'pulse']) t.ok(row(special), `${special} is explained`)
})

t.test('the frames a client really receives conform to the messages the document names', async (t) => {
  const { app, url, tick } = await server(t)
  const doc: Doc = (await app.inject('/docs/asyncapi.json')).json()
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ $id: 'asyncapi', components: { schemas: doc.components.schemas } })
  const conforms = (m: Msg) => {
    const message = doc.components.messages[m.type]
    if (!message) return `${m.type}: no such message in the document`
    const validate = ajv.compile({ $ref: `asyncapi${message.payload.$ref}` })
    const type = m.type // before validate(), whose type guard would narrow m
    return validate(m) ? '' : `${type}: ${ajv.errorsText(validate.errors)}`
  }

  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['*', 'simulation', 'pulse'] })
  await c.next((m) => m.type === 'subscribed')
  tick(30_000)
  const batch = await c.next((m) => m.type === 'batch')
  const seq = (batch.events as { seq: number }[])[0]!.seq
  const { scenarios } = (await app.inject('/api/simulation/scenarios')).json()
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: scenarios.find((s: { id: string }) => s.id !== 'normal-operations').id } })
  tick(30_000)
  c.send({ type: 'subscribe', topics: ['*', 'simulation', 'pulse'], lastSeq: seq })
  await c.next((m) => m.type === 'catchup')
  c.send({ type: 'unsubscribe', topics: ['pulse'] })
  await c.next((m) => m.type === 'unsubscribed')
  c.send('not json')
  await c.next((m) => m.type === 'error')
  app.hub.heartbeat()
  await c.next((m) => m.type === 'ping')
  await c.next((m) => m.type === 'simulation')

  const seen = new Set(c.inbox.map((m) => m.type))
  for (const type of ['subscribed', 'batch', 'catchup', 'unsubscribed', 'error', 'ping', 'simulation', 'pulse']) t.ok(seen.has(type), `a ${type} frame was received`)
  t.same(c.inbox.map(conforms).filter(Boolean), [], `all ${c.inbox.length} frames conform`)
})
