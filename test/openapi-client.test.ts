/**
 * The OpenAPI document as a dashboard uses it: openapi-typescript generates types from
 * /docs/json, a small client written against them with openapi-fetch type-checks with tsc,
 * its typos are type errors, and it runs against the real server; the README's snippets
 * ("Use it from a dashboard") type-check against the same types.
 */
import fs from 'node:fs'
import type net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import t from 'tap'
import ts from 'typescript'
import { ROOT_DIR, TEST_START, build } from './helpers.js'

/** The client: typed calls of GET /api/streams, POST /api/simulation/scenario and GET /api/simulation/history. */
const CLIENT = `
import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

type StreamEvent = components['schemas']['StreamEvent']
type ScenarioModifier = components['schemas']['ScenarioModifier']

export async function dashboard(baseUrl: string) {
  const api = createClient<paths>({ baseUrl })

  const { data: catalog } = await api.GET('/api/streams', { params: { query: { domain: 'session' } } })
  const names: string[] = catalog?.streams.map((s) => s.name) ?? []

  const { data: list } = await api.GET('/api/simulation/scenarios')
  const scenarioId = list?.scenarios.find((s) => s.id !== 'normal-operations')?.id ?? ''
  const { data: activated } = await api.POST('/api/simulation/scenario', { body: { scenarioId } })
  const modifier: ScenarioModifier | undefined = activated?.scenario
  const { error: refused, response } = await api.POST('/api/simulation/scenario', { body: { scenarioId } })
  const refusal: string | undefined = refused?.error.code

  const { data: clock } = await api.GET('/api/simulation/clock')
  const { data: history } = await api.GET('/api/simulation/history', {
    params: { query: { start: clock!.historyStartTime, end: clock!.currentSimulationTime, streams: names.join(','), interval: '1h' } },
  })
  const points = names.map((n) => history?.streams[n]?.map((p) => ({ at: Date.parse(p.timestamp), normalized: p.normalized })) ?? [])

  const { data: recent } = await api.GET('/api/simulation/events', { params: { query: { limit: 5 } } })
  const latest: StreamEvent[] = recent?.events ?? []

  return { names, scenarioId, modifier, refusal, status: response.status, points, latest }
}

// What the types refuse: each line below must be a type error, or tsc reports the directive unused.
export function typos(api: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error scenarioId is a string
  void api.POST('/api/simulation/scenario', { body: { scenarioId: 42 } })
  // @ts-expect-error the intervals are 5m, 15m, 1h, 6h, 12h and 1d
  void api.GET('/api/simulation/history', { params: { query: { start: '', end: '', interval: '2h' } } })
  // @ts-expect-error start and end are required
  void api.GET('/api/simulation/history', { params: { query: { streams: 'session.started' } } })
  // @ts-expect-error no such route
  void api.GET('/api/simulation/histories')
  const e = {} as StreamEvent
  // @ts-expect-error a StreamEvent has no value field
  void e.value
}
`

/** The TypeScript snippets of the README's "Use it from a dashboard". */
function readmeSnippets(): string[] {
  const readme = fs.readFileSync(path.join(ROOT_DIR, 'README.md'), 'utf8')
  const section = readme.split('\n## Use it from a dashboard\n')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

t.test('a client generated with openapi-typescript type-checks against real calls and runs them', async (t) => {
  const app = await build(t)
  app.simulation.sim.advanceTo(TEST_START + 60_000) // a live minute, for the recent events
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`
  const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as Parameters<typeof openapiTS>[0]

  // Inside the repository so that `openapi-fetch` resolves from node_modules.
  const cache = path.join(ROOT_DIR, 'node_modules', '.cache')
  fs.mkdirSync(cache, { recursive: true })
  const dir = fs.mkdtempSync(path.join(cache, 'openapi-client-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const generated = astToString(await openapiTS(doc))
  fs.writeFileSync(path.join(dir, 'api.d.ts'), generated)
  fs.writeFileSync(path.join(dir, 'simulator-api.d.ts'), generated) // the name the README uses
  fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT)
  const snippets = readmeSnippets()
  t.equal(snippets.length, 2, 'the README shows a REST and a WebSocket snippet')
  const files = [CLIENT, ...snippets].map((_, i) => path.join(dir, i === 0 ? 'client.ts' : `readme-${i}.ts`))
  snippets.forEach((s, i) => fs.writeFileSync(files[i + 1]!, s))
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }')
  t.match(generated, /StreamEvent: \{/, 'the shared schemas are named types')
  t.match(generated, /getHistory: \{/, 'operations are named by their operationId')

  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  })
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
  t.same(diagnostics, [], 'tsc: no errors in the client and the README snippets, and every typo above is one')

  const js = ts.transpileModule(CLIENT, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
  fs.writeFileSync(path.join(dir, 'client.js'), js)
  const { dashboard } = await import(pathToFileURL(path.join(dir, 'client.js')).href)
  const r = await dashboard(baseUrl)
  const catalog = (await app.inject('/api/streams?domain=session')).json()
  t.same(r.names, catalog.streams.map((s: { name: string }) => s.name), 'GET /api/streams with its domain filter')
  t.equal(r.modifier?.type, r.scenarioId, 'POST /api/simulation/scenario activated the scenario')
  t.equal(r.modifier?.status, 'active')
  t.equal(r.status, 409, 'a second activation is refused')
  t.equal(r.refusal, 'SCENARIO_ALREADY_ACTIVE', 'and its error envelope is typed')
  t.equal(r.points.length, r.names.length)
  t.ok(r.points.every((p: { at: number }[]) => p.length > 0 && p.every((x, i) => i === 0 || x.at - p[i - 1]!.at === 3_600_000)), 'GET /api/simulation/history: hourly points per stream')
  t.ok(r.latest.length > 0 && r.latest.length <= 5, 'GET /api/simulation/events with its limit')
})
