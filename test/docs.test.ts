import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import t from 'tap'
import { ScenarioModifier, StreamEvent } from '@marketsim/shared-types'
import { build, iso } from './helpers.js'

type Doc = { openapi: string; info: { description: string }; tags: { name: string }[]; paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } }

async function docOf(app: Awaited<ReturnType<typeof build>>): Promise<Doc> {
  const res = await app.inject('/docs/json')
  if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`)
  return res.json()
}

const operations = (doc: Doc) => Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ where: `${m.toUpperCase()} ${p}`, op })))

/** Every `$ref` in a JSON value. */
function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out)
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? out.push(x) : refsIn(x, out)
  return out
}

t.test('/docs/json documents every API route with a tag and its response codes', async (t) => {
  const app = await build(t)
  const doc = await docOf(app)
  t.equal(doc.openapi, '3.1.0', 'OpenAPI 3.1: the schemas are JSON Schema as TypeBox writes them (exclusiveMinimum is a number)')
  const paths = Object.keys(doc.paths)
  for (const p of ['/api/health', '/api/streams', '/api/streams/{name}', '/api/simulation/scenarios']) t.ok(paths.includes(p), `${p} documented`)
  t.notOk(paths.some((p) => p.startsWith('/admin')), 'static admin routes are not API surface')
  const tagNames = new Set(doc.tags.map((x) => x.name))
  for (const { where, op } of operations(doc)) {
    t.ok(op.tags?.length && op.tags.every((x: string) => tagNames.has(x)), `${where} is tagged with a declared tag`)
    t.ok(op.responses?.['200'], `${where} documents 200`)
    t.ok(op.summary, `${where} has a summary`)
  }
  t.ok(doc.paths['/api/health']!.get.responses['503'], 'health documents its 503')
  t.ok(doc.paths['/api/streams/{name}']!.get.responses['404'], 'stream lookup documents its 404')
})

t.test('the OpenAPI document is valid for @apidevtools/swagger-parser', async (t) => {
  const app = await build(t)
  // validate() resolves the document (every $ref followed), or rejects naming what is wrong.
  const api = await SwaggerParser.validate((await docOf(app)) as unknown as Parameters<typeof SwaggerParser.validate>[0])
  t.ok(api.paths?.['/api/simulation/history'], 'parsed, $refs resolved')
})

t.test('every operation has a unique, stable camelCase operationId', async (t) => {
  const app = await build(t)
  const ids = Object.fromEntries(operations(await docOf(app)).map(({ where, op }) => [where, op.operationId]))
  // Generated clients name their functions and types after these: renaming one breaks them.
  t.same(ids, {
    'GET /api/health': 'getHealth',
    'GET /api/streams': 'listStreams',
    'GET /api/streams/{name}': 'getStream',
    'GET /api/simulation/scenarios': 'listScenarios',
    'POST /api/simulation/scenario': 'activateScenario',
    'POST /api/simulation/stop': 'stopScenario',
    'POST /api/simulation/reset': 'resetSimulation',
    'GET /api/simulation/state': 'getSimulationState',
    'GET /api/simulation/history': 'getHistory',
    'GET /api/simulation/events': 'getRecentEvents',
    'GET /api/simulation/clock': 'getClock',
    'POST /api/simulation/clock': 'setClock',
    'GET /api/simulation/ground-truth': 'getGroundTruth',
    'GET /api/simulation/correlations': 'getCorrelations',
    'GET /api/detector/windows': 'getDetectorWindows',
    'POST /api/detector/score': 'scoreDetector',
    'GET /api/detector/labels': 'getDetectorLabels',
  })
  const values = Object.values(ids)
  t.equal(new Set(values).size, values.length, 'unique')
  t.ok(values.every((id) => /^[a-z][a-zA-Z0-9]*$/.test(id)), 'camelCase')
})

t.test('the shared schemas are named components, referenced by $ref and nowhere inlined', async (t) => {
  const app = await build(t)
  const doc = await docOf(app)
  const names = Object.keys(doc.components.schemas)
  for (const n of ['StreamEvent', 'ScenarioModifier', 'SimulationState', 'HistoryResponse', 'HistoryPoint', 'StreamBaseline', 'ExternalEvent', 'ScenarioSummary', 'ApiError', 'ActivateScenarioBody'])
    t.ok(names.includes(n), `${n} is a component`)
  const refs = refsIn(doc)
  for (const r of refs) t.ok(names.includes(r.replace('#/components/schemas/', '')) && r.startsWith('#/components/schemas/'), `${r} resolves`)
  const used = new Set(refs)
  t.same(names.filter((n) => !used.has(`#/components/schemas/${n}`)), [], 'every component is referenced')
  // A title inside the paths would be a shared schema left inline: a generator would give it no name.
  t.notMatch(JSON.stringify(doc.paths), /"title":/, 'no named schema is inlined in the paths')

  const ok = (p: string, m: string, code: string) => doc.paths[p]![m].responses[code].content['application/json'].schema.$ref
  t.equal(ok('/api/simulation/state', 'get', '200'), '#/components/schemas/SimulationState')
  t.equal(ok('/api/simulation/history', 'get', '200'), '#/components/schemas/HistoryResponse')
  t.equal(ok('/api/simulation/events', 'get', '200'), '#/components/schemas/RecentEventsResponse')
  t.equal(doc.paths['/api/simulation/scenario']!.post.requestBody.content['application/json'].schema.$ref, '#/components/schemas/ActivateScenarioBody')
  for (const { where, op } of operations(doc))
    for (const [code, r] of Object.entries<any>(op.responses))
      if (Number(code) >= 400) t.equal(r.content['application/json'].schema.$ref, '#/components/schemas/ApiError', `${where} ${code} is an ApiError`)

  // The components are the shared-types schemas themselves, not a copy that could drift.
  for (const [name, schema] of [['StreamEvent', StreamEvent], ['ScenarioModifier', ScenarioModifier]] as const) {
    t.same(Object.keys(doc.components.schemas[name].properties), Object.keys(schema.properties), `${name}: the fields of shared-types`)
    t.same(doc.components.schemas[name].required, schema.required, `${name}: the required fields of shared-types`)
  }
})

t.test('real answers conform to the schemas the document names for them', async (t) => {
  const app = await build(t)
  const doc = await docOf(app)
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi')
  const check = async (url: string, init: { method?: 'GET' | 'POST'; payload?: object } = {}) => {
    const res = await app.inject({ url, method: init.method ?? 'GET', payload: init.payload })
    const op = doc.paths[url.split('?')[0]!]![(init.method ?? 'GET').toLowerCase()]
    const schema = op.responses[String(res.statusCode)]?.content['application/json'].schema
    t.ok(schema, `${url}: ${res.statusCode} is documented`)
    const validate = ajv.compile({ $ref: `openapi${schema.$ref}` })
    t.ok(validate(res.json()), `${url} ${res.statusCode} matches ${schema.$ref} ${ajv.errorsText(validate.errors)}`)
    return res.json()
  }
  const clock = await check('/api/simulation/clock')
  await check('/api/streams')
  const { scenarios } = await check('/api/simulation/scenarios')
  const scenarioId = scenarios.find((s: { id: string }) => s.id !== 'normal-operations').id
  await check('/api/simulation/scenario', { method: 'POST', payload: { scenarioId } })
  await check('/api/simulation/scenario', { method: 'POST', payload: { scenarioId } }) // 409
  await check('/api/simulation/state')
  await check(`/api/simulation/history?start=${clock.historyStartTime}&end=${iso(Date.parse(clock.currentSimulationTime))}&interval=1h`)
  await check('/api/simulation/history?start=yesterday&end=now') // 400
  await check('/api/simulation/events?limit=20')
  await check('/api/simulation/stop', { method: 'POST' })
})

t.test('/docs serves the interactive page, and its description links the AsyncAPI document', async (t) => {
  const app = await build(t)
  const res = await app.inject('/docs/')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /swagger/i)
  // Swagger UI renders info.description as markdown at the top of /docs.
  t.match((await docOf(app)).info.description, /\[\/docs\/asyncapi\.json\]\(\/docs\/asyncapi\.json\)/)
  t.equal((await app.inject('/docs/asyncapi.json')).statusCode, 200, 'and the link answers')
})
