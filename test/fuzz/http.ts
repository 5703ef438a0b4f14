/**
 * The HTTP cases of the fuzz: every route, each case knowing whether it must be refused (a 4xx)
 * or may be answered as the harmless read it is (a GET or OPTIONS: 2xx/3xx allowed).
 */
import type { InjectOptions } from 'fastify'
import { BAD_TIMES, NASTY_STRINGS, deep, int, pick, randomBytes, randomText, wrongValue, type Rng } from './gen.js'

export interface HttpCase {
  kind: string
  request: InjectOptions
  /** `refuse`: the answer must be a 4xx; `read`: anything below 500 (a read changes nothing). */
  expect: 'refuse' | 'read'
}

export const CONTROLS = ['/api/simulation/scenario', '/api/simulation/stop', '/api/simulation/reset', '/api/simulation/clock'] as const
/** GET routes and the query parameters they know. */
export const READS: Record<string, string[]> = {
  '/api/health': [],
  '/api/streams': ['domain'],
  '/api/simulation/scenarios': [],
  '/api/simulation/state': [],
  '/api/simulation/history': ['start', 'end', 'streams', 'interval'],
  '/api/simulation/events': ['stream', 'limit'],
  '/api/simulation/clock': [],
  '/api/simulation/ground-truth': ['start', 'end'],
  '/api/simulation/correlations': ['eventId', 'stream', 'startTime', 'endTime'],
  '/docs/json': [],
  '/metrics': [],
  '/docs': [],
  '/': [],
  '/ws': [],
}
/** Reads whose required time parameter, when garbage, must be refused. */
const TIMED = ['/api/simulation/history', '/api/simulation/ground-truth']
const TRAVERSALS = [
  '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/package.json', '..%252f..%252fpackage.json', '....//....//etc/passwd',
  '..\\..\\package.json', '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', 'assets/../../../server/src/app.ts', '%00', 'a%00.js', '.env', '~root', '%', '%zz',
]

const enc = (r: Rng, s: string) => (r() < 0.85 ? encodeURIComponent(s) : s.replace(/[#?\s]/g, (c) => encodeURIComponent(c)))

function badValue(r: Rng): string {
  return pick(r, [() => pick(r, NASTY_STRINGS), () => pick(r, BAD_TIMES), () => randomText(r, int(r, 1, 30)), () => String(wrongValue(r))])()
}

function query(r: Rng, known: string[], forceBad?: string): string {
  const parts: string[] = []
  const keys = [...known, 'x', '__proto__', 'constructor', randomText(r, 3)]
  for (let i = int(r, 1, 4); i > 0; i--) parts.push(`${enc(r, pick(r, keys))}=${enc(r, badValue(r))}`)
  if (forceBad) parts.push(`${forceBad}=${enc(r, pick(r, BAD_TIMES))}`, `end=${enc(r, badValue(r))}`)
  if (r() < 0.2 && known[0]) parts.push(`${known[0]}=1`, `${known[0]}=2`) // duplicated
  if (r() < 0.1) parts.push(pick(r, ['&&&', '==', '%', '%zz', '=', 'a[b][c][d]=1', 'a'.repeat(8000) + '=1']))
  return parts.join('&')
}

function readCase(r: Rng): HttpCase {
  const route = pick(r, Object.keys(READS))
  const known = READS[route]!
  const timed = TIMED.includes(route) && r() < 0.5
  return { kind: `GET ${route}`, request: { method: 'GET', url: `${route}?${query(r, known, timed ? 'start' : undefined)}` }, expect: timed || route === '/ws' ? 'refuse' : 'read' }
}

function pathCase(r: Rng): HttpCase {
  const what = pick(r, ['stream', 'admin', 'docs', 'api'] as const)
  const junk = r() < 0.5 ? pick(r, TRAVERSALS) : enc(r, badValue(r))
  // An empty junk value leaves `/api/streams/`, which is the catalog (trailing slashes are ignored).
  if (what === 'stream') return { kind: 'GET /api/streams/:name', request: { url: `/api/streams/${junk}` }, expect: junk === '' ? 'read' : 'refuse' }
  if (what === 'api') return { kind: 'GET /api/<unknown>', request: { url: `/api/${junk}/${enc(r, randomText(r, 5))}` }, expect: 'refuse' }
  // The console is a SPA: any path under /admin is its page; /docs serves its own assets.
  return { kind: `GET /${what}/*`, request: { url: `/${what}/${what === 'docs' ? 'static/' : ''}${junk}` }, expect: 'read' }
}

function methodCase(r: Rng): HttpCase {
  const url = pick(r, [...Object.keys(READS), ...CONTROLS])
  const method = pick(r, ['PUT', 'DELETE', 'PATCH', ...(CONTROLS.includes(url as never) ? ['GET' as const] : ['POST' as const])] as const)
  // GET on /api/simulation/clock is its read, so it never lands here as a "wrong method".
  return { kind: `${method} (no such route)`, request: { method, url, payload: r() < 0.5 ? { a: 1 } : undefined }, expect: url === '/api/simulation/clock' && method === 'GET' ? 'read' : 'refuse' }
}

/** A body for `url` that the control must refuse: never valid, whatever the draw. */
function badBody(r: Rng, url: string, scenarioIds: string[]): { payload: string | Buffer; type?: string } {
  const json = (v: unknown) => ({ payload: JSON.stringify(v), type: 'application/json' })
  const field = (): unknown => {
    if (url.endsWith('/clock'))
      return pick(r, [
        () => ({ speed: pick(r, [-1, 3601, 1e308, -1e-9, '1', 'NaN', 'Infinity', null, [1], { v: 1 }, true]) }),
        () => ({ speed: 1, extra: wrongValue(r) }),
        () => ({ speeds: 10 }),
      ])()
    if (url.endsWith('/scenario'))
      return pick(r, [
        () => ({ scenarioId: wrongValue(r) }),
        () => ({ scenarioId: pick(r, NASTY_STRINGS) }),
        () => ({ scenarioId: randomText(r, int(r, 1, 60)) }),
        // A real scenario with a time no world holds: refused before anything is activated.
        () => ({ scenarioId: pick(r, scenarioIds), startTime: pick(r, BAD_TIMES) }),
        () => ({ scenarioId: pick(r, scenarioIds), startTime: wrongValue(r) }),
        () => ({ scenario: pick(r, scenarioIds) }),
      ])()
    // Never `{}` or nothing: stop and reset accept those, and a reset is a change.
    const v = pick(r, [() => ({ force: wrongValue(r) }), () => [wrongValue(r)], () => wrongValue(r), () => ({ [randomText(r, 4)]: 1 })])()
    return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 ? { empty: false } : v
  }
  return pick(r, [
    () => json(field()),
    () => json(field()),
    () => ({ payload: randomBytes(r, int(r, 1, 2000)), type: 'application/json' }),
    () => ({ payload: randomText(r, int(r, 1, 300)), type: 'application/json' }),
    () => ({ payload: deep(10_000), type: 'application/json' }),
    () => ({ payload: deep(int(r, 1000, 20_000), '{"a":', '}', '1'), type: 'application/json' }),
    () => ({ payload: JSON.stringify({ pad: 'x'.repeat(int(r, 65 * 1024, 300 * 1024)) }), type: 'application/json' }), // over bodyLimit
    () => ({ payload: JSON.stringify(field()), type: pick(r, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'image/png', 'application/json; charset=utf-7', ';;;']) }),
    () => ({ payload: pick(r, ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"speed":1,"speed":"fast"}', '{"scenarioId":"exam-season-surge",}', "{'scenarioId':'x'}", '\uFEFF{}x', '{"a":1e999999}', '[' + '1,'.repeat(20000) + '1]']), type: 'application/json' }),
  ])()
}

function controlCase(r: Rng, scenarioIds: string[]): HttpCase {
  const url = pick(r, CONTROLS)
  const { payload, type } = badBody(r, url, scenarioIds)
  const headers: Record<string, string> = type ? { 'content-type': type } : {}
  if (r() < 0.05) headers['content-length'] = String(int(r, 0, 5))
  return { kind: `POST ${url}`, request: { method: 'POST', url: `${url}${r() < 0.2 ? `?${query(r, ['x'])}` : ''}`, headers, payload }, expect: 'refuse' }
}

/** `n` cases, in a fixed order for a given seed: controls, reads, paths and wrong methods. */
export function httpCases(r: Rng, n: number, scenarioIds: string[]): HttpCase[] {
  const out: HttpCase[] = []
  for (let i = 0; i < n; i++) {
    const x = r()
    out.push(x < 0.45 ? controlCase(r, scenarioIds) : x < 0.75 ? readCase(r) : x < 0.9 ? pathCase(r) : methodCase(r))
  }
  return out
}
