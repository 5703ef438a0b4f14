import t from 'tap'
import { build } from './helpers.js'

t.test('/docs/json documents every API route with a tag and its response codes', async (t) => {
  const app = await build(t)
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.0.3')
  const paths = Object.keys(doc.paths)
  for (const p of ['/api/health', '/api/streams', '/api/streams/{name}', '/api/simulation/scenarios']) t.ok(paths.includes(p), `${p} documented`)
  t.notOk(paths.some((p) => p.startsWith('/admin')), 'static admin routes are not API surface')
  const tagNames = new Set(doc.tags.map((x: { name: string }) => x.name))
  for (const [p, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [m, op] of Object.entries<any>(methods)) {
      t.ok(op.tags?.length && op.tags.every((x: string) => tagNames.has(x)), `${m} ${p} is tagged with a declared tag`)
      t.ok(op.responses?.['200'], `${m} ${p} documents 200`)
      t.ok(op.summary, `${m} ${p} has a summary`)
    }
  }
  t.ok(doc.paths['/api/health'].get.responses['503'], 'health documents its 503')
  t.ok(doc.paths['/api/streams/{name}'].get.responses['404'], 'stream lookup documents its 404')
})

t.test('/docs serves the interactive page', async (t) => {
  const app = await build(t)
  const res = await app.inject('/docs/')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /swagger/i)
})
