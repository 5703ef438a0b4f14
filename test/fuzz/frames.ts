/** The WebSocket frames of the fuzz: each one is bad, so each must be answered with an `error`. */
import { NASTY_STRINGS, BAD_TIMES, deep, int, pick, randomBytes, randomText, wrongValue, type Rng } from './gen.js'

export interface Frame {
  kind: string
  data: string | Buffer
  binary: boolean
}

const text = (kind: string, v: unknown): Frame => ({ kind, data: typeof v === 'string' ? v : JSON.stringify(v), binary: false })

export function frames(r: Rng, n: number): Frame[] {
  const out: Frame[] = []
  const badTopics = () =>
    pick(r, [
      // An empty list is a valid subscribe (to nothing), so it is not drawn here.
      () => { const v = wrongValue(r); return Array.isArray(v) && v.length === 0 ? [null] : v },
      () => [pick(r, NASTY_STRINGS.filter((s) => s !== '*' && s !== 'customer.*'))],
      () => [randomText(r, int(r, 1, 30))],
      () => ['*', wrongValue(r)],
      () => Array.from({ length: 201 }, () => '*'),
      () => ['x'.repeat(201)],
      () => JSON.parse(deep(int(r, 2, 2000), '[', ']', '"*"')),
    ])()
  for (let i = 0; i < n; i++) {
    out.push(
      pick(r, [
        () => ({ kind: 'binary', data: randomBytes(r, int(r, 1, 4000)), binary: true }),
        () => ({ kind: 'binary JSON', data: Buffer.from('{"type":"subscribe","topics":["*"]}'), binary: true }),
        () => text('random text', randomText(r, int(r, 1, 500))),
        () => text('not an object', pick(r, ['null', '42', '"subscribe"', '[]', 'true', '1e400', '""', '[{"type":"subscribe","topics":["*"]}]'])),
        () => text('deep nesting', deep(int(r, 1000, 30_000))),
        () => text('deep object', deep(int(r, 1000, 15_000), '{"type":', '}', '"x"')),
        () => text('huge frame', JSON.stringify({ type: 'subscribe', topics: ['*'], pad: 'x'.repeat(int(r, 65 * 1024, 900 * 1024)) })),
        () => text('type missing or not a string', { type: pick(r, [undefined, null, 1, ['subscribe'], { subscribe: 1 }]), topics: ['*'] }),
        () => text('unknown type', { type: pick(r, [...NASTY_STRINGS.filter((s) => s.length < 1000), 'SUBSCRIBE', 'subscribe ', 'ping', 'event']), topics: ['*'] }),
        () => text('subscribe, bad topics', { type: 'subscribe', topics: badTopics() }),
        () => text('subscribe, bad lastSeq', { type: 'subscribe', topics: ['*'], lastSeq: pick(r, [-1, 1.5, 1e400, '10', null, [], {}, true, -1e308]) }),
        () => text('subscribe, bad lastTimestamp', { type: 'subscribe', topics: ['*'], lastTimestamp: pick(r, [...BAD_TIMES.filter((x) => !/^\d{4}-\d\d-\d\dT/.test(x)), 5, null, {}]) }),
        () => text('unsubscribe, bad topics', { type: 'unsubscribe', topics: pick(r, [null, 'customer.*', 5, { a: 1 }, [1, 2], [null]]) }),
        () => text('prototype keys', pick(r, ['{"__proto__":{"type":"subscribe"},"topics":["*"]}', '{"type":"constructor"}', '{"type":"__proto__","topics":["*"]}', '{"type":"toString"}'])),
      ])(),
    )
  }
  return out
}
