/**
 * The raw-socket cases of the fuzz: bytes on a TCP connection, so the answers Node's HTTP
 * parser, Fastify's router and the WebSocket library give before any route runs are covered
 * too (inject() never reaches them). Each case is one connection, half-closed after writing.
 */
import { NASTY_STRINGS, int, pick, randomBytes, randomText, type Rng } from './gen.js'
import { CONTROLS, READS } from './http.js'

export interface RawCase {
  kind: string
  bytes: Buffer
  /** No bytes that start a request (nothing, or blank lines): closing without an answer is right. */
  maySayNothing?: boolean
}

const PATHS = [...Object.keys(READS), '/api/streams/customer.tutor.search', '/admin/', '/docs/static/index.html', '/nowhere']
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'get', 'G ET', 'GET\u0000', 'ÄÖÜ', 'M-SEARCH', 'PRI', 'SOURCE']
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/1', 'http/1.1', 'HTTP/1.1 extra', '', 'HTTP/11', 'HTTPS/1.1']
const EOLS = ['\r\n', '\n', '\r', '\r\r\n']

const bytes = (s: string) => Buffer.from(s, 'latin1')
const utf8 = (s: string) => Buffer.from(s, 'utf8')

function target(r: Rng): string {
  return pick(r, [
    () => pick(r, PATHS),
    () => `${pick(r, PATHS)}?${pick(r, ['x', 'start', 'domain'])}=${encodeURIComponent(pick(r, NASTY_STRINGS).slice(0, 500))}`,
    () => pick(r, ['*', 'http://127.0.0.1/api/health', 'https://evil.example/api/health', '//api/health', 'api/health', '/api/health#frag', '/%', '/%zz', '/api/%00', '/..', '/../../etc/passwd']),
    () => `/${randomText(r, int(r, 1, 30))}`, // raw UTF-8 and control characters in the request line
    () => `/api/streams/${'x'.repeat(int(r, 100, 12_000))}`,
  ])()
}

/** A request line and headers that Node may or may not accept: every part drawn from things that broke servers. */
function malformedHead(r: Rng): RawCase {
  const method = pick(r, METHODS)
  const line = `${method} ${target(r)} ${pick(r, VERSIONS)}`
  const headers = ['Host: 127.0.0.1']
  for (let i = int(r, 0, 4); i > 0; i--) {
    headers.push(
      pick(r, [
        () => `X-${randomText(r, 4)}: ${randomText(r, 10)}`,
        () => `${pick(r, ['Bad Name', 'Bad:Name', '', ':', 'X\u0000Y', '(x)'])}: 1`,
        () => 'no colon at all',
        () => ' folded continuation line',
        () => `Host: ${pick(r, ['', 'a b', '[::1', 'x'.repeat(300)])}`,
        () => `Content-Length: ${pick(r, ['-1', '1e3', '0x10', '99999999999999999999', '5, 6', ' 3'])}`,
        () => `Transfer-Encoding: ${pick(r, ['gzip', 'chunked, gzip', 'identity', 'x', 'chunked\u0000'])}`,
        () => `Expect: ${pick(r, ['100-continue', '200-ok', 'teapot', ''])}`,
        () => `X-Big: ${'v'.repeat(int(r, 1000, 9000))}`,
      ])(),
    )
  }
  const eol = r() < 0.8 ? '\r\n' : pick(r, EOLS)
  return { kind: 'malformed head', bytes: utf8(`${line}${eol}${headers.join(eol)}${eol}${eol}`) }
}

/** Framing: bodies whose length, chunking or content type is wrong, on reads (a control could act). */
function framing(r: Rng): RawCase {
  // Not /api/simulation/clock: its POST is a control, and a body that happened to parse could act.
  const path = pick(r, Object.keys(READS).filter((p) => p !== '/ws' && p !== '/api/simulation/clock'))
  const method = pick(r, ['GET', 'POST', 'DELETE'])
  const body = randomText(r, int(r, 0, 200))
  const n = Buffer.byteLength(body)
  const head = (h: string[]) => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${h.join('\r\n')}${h.length ? '\r\n' : ''}\r\n`
  return pick(r, [
    () => ({ kind: 'Content-Length short', bytes: utf8(head([`Content-Length: ${n + int(r, 1, 50)}`]) + body) }),
    () => ({ kind: 'Content-Length long', bytes: utf8(head([`Content-Length: ${Math.max(0, n - int(r, 1, 50))}`]) + body) }),
    () => ({ kind: 'two Content-Lengths', bytes: utf8(head([`Content-Length: ${n}`, `Content-Length: ${n + 1}`]) + body) }),
    () => ({ kind: 'CL and TE', bytes: utf8(head([`Content-Length: ${n}`, 'Transfer-Encoding: chunked']) + body) }),
    () => ({ kind: 'bad chunks', bytes: utf8(head(['Transfer-Encoding: chunked']) + pick(r, ['zz\r\n', 'ffffffffffffffff\r\n', '5\r\nab\r\n0\r\n\r\n', '-1\r\n', `${n.toString(16)}\r\n${body}\r\n`, '0\r\nTrailer: x\r\n'])) }),
    () => ({ kind: 'body without length', bytes: utf8(head(['Content-Type: application/json']) + body) }),
    () => ({ kind: 'binary body', bytes: Buffer.concat([bytes(head([`Content-Length: 64`, `Content-Type: ${pick(r, ['application/json', 'application/octet-stream', 'text/plain'])}`])), randomBytes(r, 64)]) }),
  ])()
}

/**
 * Controls pressed the way a hostile page or client would: a simple request from another
 * origin, or a body of the wrong type. Never one the server should act on.
 */
function control(r: Rng): RawCase {
  const url = pick(r, CONTROLS)
  const origin = pick(r, ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'file://', 'http://[::1]', '💥'])
  const type = pick(r, ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', 'application/json-patch+json', undefined])
  const body = type === undefined ? '' : pick(r, ['{}', '{"scenarioId":"exam-season-surge"}', '{"speed":10}', 'a=1', '', randomText(r, 20)])
  const h = [`POST ${url} HTTP/1.1`, 'Host: 127.0.0.1', `Origin: ${origin}`, ...(type ? [`Content-Type: ${type}`] : []), `Content-Length: ${Buffer.byteLength(body)}`]
  return { kind: `cross-site POST ${type ?? 'without a body'}`, bytes: utf8(`${h.join('\r\n')}\r\n\r\n${body}`) }
}

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='

/** Upgrade requests: to routes that are not /ws, and to /ws with handshakes the protocol refuses. */
function upgrade(r: Rng): RawCase {
  const onWs = r() < 0.4
  const path = onWs ? '/ws' : pick(r, [...PATHS.filter((p) => p !== '/ws'), ...CONTROLS])
  const method = onWs ? pick(r, ['GET', 'GET', 'POST', 'PUT']) : pick(r, ['GET', 'POST'])
  const h = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Connection: ${pick(r, ['Upgrade', 'keep-alive, Upgrade', 'upgrade'])}`, `Upgrade: ${pick(r, ['websocket', 'WebSocket', 'h2c', 'tls/1.2', randomText(r, 5)])}`]
  if (!onWs || r() < 0.5) h.push(`Sec-WebSocket-Key: ${pick(r, [WS_KEY, '', 'short', 'x'.repeat(100)])}`)
  const version = pick(r, ['13', '8', '7', '14', 'abc', ''])
  // On /ws a version it speaks comes with a subprotocol list it cannot parse: never a valid handshake.
  if (!onWs || (version !== '13' && version !== '8')) h.push(`Sec-WebSocket-Version: ${version}`)
  else h.push(`Sec-WebSocket-Version: ${version}`, `Sec-WebSocket-Protocol: ${pick(r, ['a,,b', ' ', 'a b', ',', 'x'.repeat(20) + ',' + 'x'.repeat(20)])}`)
  return { kind: `upgrade ${onWs ? '/ws (bad handshake)' : 'off /ws'}`, bytes: utf8(`${h.join('\r\n')}\r\n\r\n`) }
}

/** Things that are not HTTP/1.1 at all, oversized heads, and several requests in one write. */
function other(r: Rng): RawCase {
  return pick(r, [
    () => ({ kind: 'random bytes', bytes: randomBytes(r, int(r, 1, 3000)) }),
    () => ({ kind: 'TLS ClientHello', bytes: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), randomBytes(r, 64)]) }),
    () => ({ kind: 'HTTP/2 preface', bytes: bytes('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') }),
    () => ({ kind: 'CONNECT', bytes: bytes(`CONNECT ${pick(r, ['example.com:443', '127.0.0.1:22', '*'])} HTTP/1.1\r\nHost: x\r\n\r\n`) }),
    () => ({ kind: 'oversized request line', bytes: bytes(`GET /api/health?${'q'.repeat(int(r, 17_000, 40_000))} HTTP/1.1\r\nHost: x\r\n\r\n`) }),
    () => ({ kind: 'oversized headers', bytes: bytes(`GET /api/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: int(r, 20, 60) }, (_, i) => `X-${i}: ${'h'.repeat(1000)}`).join('\r\n')}\r\n\r\n`) }),
    () => ({ kind: 'nothing', bytes: Buffer.alloc(0), maySayNothing: true }),
    () => ({ kind: 'blank lines', bytes: bytes('\r\n'.repeat(int(r, 1, 20))), maySayNothing: true }),
    () => ({ kind: 'truncated head', bytes: bytes(`GET ${pick(r, PATHS)} HTTP/1.1\r\nHost: x\r\nX-Half: `) }),
    () => {
      // Good, then bad: the good one is answered, the bad one in the envelope.
      const good = `GET ${pick(r, ['/api/health', '/api/simulation/clock', '/api/streams'])} HTTP/1.1\r\nHost: x\r\n\r\n`
      return { kind: 'pipelined', bytes: Buffer.concat([bytes(good.repeat(int(r, 1, 3))), pick(r, [malformedHead, framing, upgrade])(r).bytes]) }
    },
  ])()
}

/** `n` cases, in a fixed order for a given seed. */
export function rawCases(r: Rng, n: number): RawCase[] {
  const out: RawCase[] = []
  for (let i = 0; i < n; i++) {
    const x = r()
    out.push(x < 0.3 ? malformedHead(r) : x < 0.5 ? framing(r) : x < 0.65 ? control(r) : x < 0.8 ? upgrade(r) : other(r))
  }
  return out
}
