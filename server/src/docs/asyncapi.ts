/**
 * The WebSocket protocol as an AsyncAPI 3.0 document, generated from the shared-types schemas
 * the hub speaks (WsClientMessage, WsServerMessage and what they hold) and the topic rules of
 * ws/topics.ts resolved against the catalog. It describes the server: it receives the client's
 * messages and sends its own.
 */
import { DOMAINS, WS_ERROR_CODES, WS_SPECIAL_TOPICS, WsClientMessage, WsServerMessage, type StreamInfo, type WsSpecialTopic } from '@marketsim/shared-types'
import type { TSchema } from '@sinclair/typebox'
import { resolveTopic, type TopicModel } from '../ws/topics.js'
import { Components, toJson, type JsonObject } from './named-schemas.js'

export interface AsyncApiOptions {
  version: string
  /** `host[:port]` the document's server names (the host the document was asked from). */
  host: string
  /** wss rather than ws (the document was asked for over HTTPS). */
  secure: boolean
  catalog: readonly StreamInfo[]
}

const CHANNEL = 'live'
const ADDRESS = '/ws'

/** What each message is for, in a line; a message added to the unions without one is still documented (by its schema). */
const SUMMARIES: Record<string, string> = {
  subscribe: 'Replace the whole topic set; with `lastSeq` or `lastTimestamp`, catch up on what was missed',
  unsubscribe: 'Remove exact topic strings',
  pong: "Answer to the server's JSON ping",
  event: 'One stream event (legal; the server normally batches)',
  batch: 'The matching events of the last 100 ms, in timeline order',
  subscribed: 'The full current topic set, after every accepted subscribe',
  unsubscribed: 'Echo of the topics an unsubscribe asked to remove',
  catchup: 'Buffered events after lastSeq/lastTimestamp, in parts of bounded size, before live events resume',
  error: `A refused frame; nothing changed and the socket stays open. Codes: ${WS_ERROR_CODES.join(', ')}`,
  ping: 'Heartbeat every 30 s (WS_PING_INTERVAL_MS): answer with pong, or any frame',
  simulation: 'The simulation state, on subscribe and on every change (topic `simulation`)',
  external_event: 'A timeline event as it happens (topic `simulation`)',
  pulse: 'Every stream as it stands, once a second (topic `pulse`)',
}

/** The special topics, in the words a dashboard needs (a special topic added in shared-types needs its words here). */
const SPECIAL_TOPICS: Record<WsSpecialTopic, string> = {
  anomalies: 'any event whose `anomalyFlag` is `warning` or `critical`, from every stream',
  simulation: '`simulation` (state) and `external_event` messages; no stream events',
  pulse: 'a `pulse` message once a second: every stream, silent ones included',
}

const cap = (s: string) => s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())
const typeOf = (member: TSchema): string => (member.properties as Record<string, { const: string }>).type.const

/** The topic table of the channel: the rules of ws/topics.ts applied to the catalog, so it lists what a subscribe really matches. */
function topicTable(catalog: readonly StreamInfo[]): string {
  const model: TopicModel = {
    streams: catalog.map((s, idx) => ({ idx, name: s.name, def: { domain: s.domain } })),
    index: new Map(catalog.map((s, idx) => [s.name, idx])),
  }
  const rows = ['| `*` | every stream |', ...WS_SPECIAL_TOPICS.map((topic) => `| \`${topic}\` | ${SPECIAL_TOPICS[topic]} |`)]
  for (const domain of DOMAINS) {
    const idx = resolveTopic(model, `${domain}.*`)
    if (Array.isArray(idx)) rows.push(`| \`${domain}.*\` | ${idx.map((i) => `\`${catalog[i]!.name}\``).join(', ')} |`)
  }
  rows.push('| `<prefix>.*` | streams whose name starts with `<prefix>.`, e.g. `api.*`, `customer.subscription.*` |')
  rows.push('| a stream name | that stream only (`GET /api/streams` lists the names) |')
  return [
    'One connection carries every topic. A fresh connection has no subscriptions and receives nothing until it subscribes; ' +
      'a client receives an event when it matches any of its topics. A topic that matches no stream is refused (`error` UNKNOWN_TOPIC) and changes nothing.',
    '',
    '| topic | matches |',
    '|---|---|',
    ...rows,
  ].join('\n')
}

export function asyncApiDocument(opts: AsyncApiOptions): JsonObject {
  const components = new Components('#/components/schemas/')
  const messages: JsonObject = {}
  const operations: JsonObject = {}
  const channelRef = { $ref: `#/channels/${CHANNEL}` }
  const add = (member: TSchema, action: 'receive' | 'send') => {
    const type = typeOf(member)
    messages[type] = {
      name: type,
      title: String(member.title),
      summary: SUMMARIES[type] ?? String(member.description ?? member.title),
      contentType: 'application/json',
      payload: components.refer(toJson(member)),
    }
    operations[`${action}${cap(type)}`] = {
      action,
      channel: channelRef,
      summary: SUMMARIES[type] ?? String(member.title),
      messages: [{ $ref: `#/channels/${CHANNEL}/messages/${type}` }],
    }
  }
  for (const m of WsClientMessage.anyOf) add(m, 'receive')
  for (const m of WsServerMessage.anyOf) add(m, 'send')
  // A subscribe is answered on the same socket: subscribed, then (if asked) the catch-up, or an error.
  ;(operations.receiveSubscribe as JsonObject).reply = {
    channel: channelRef,
    messages: ['subscribed', 'catchup', 'error'].map((t) => ({ $ref: `#/channels/${CHANNEL}/messages/${t}` })),
  }
  const channelMessages = Object.fromEntries(Object.keys(messages).map((t) => [t, { $ref: `#/components/messages/${t}` }]))
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Marketplace simulator live events',
      version: opts.version,
      description: [
        'The WebSocket protocol of the simulator (this document describes the server). Every frame is one JSON text message with a `type`.',
        '',
        '1. Connect to `/ws` and send `subscribe` with your topics; the server answers `subscribed`.',
        '2. Live events arrive as `batch` (every 100 ms, timeline order; `event` is legal too). Every event carries `seq`, strictly increasing over the one shared timeline.',
        '3. After a reconnect, `subscribe` with `lastSeq` (or `lastTimestamp`): `subscribed`, then `catchup` parts (concatenate their `events`; `final: true` on the last), then live events, with no gap and no duplicate. ' +
          '`complete: false` on the final part means the buffer no longer reached back: refetch `GET /api/simulation/history` for the gap.',
        '4. Answer the JSON `ping` with `pong` (any frame counts as life); a client silent for 90 s (WS_PONG_TIMEOUT_MS) is closed.',
        '5. A bad frame is answered with `error` and changes nothing; errors never close the socket.',
        '',
        'REST API: [/docs](/docs) (OpenAPI at `/docs/json`).',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      simulator: { host: opts.host, protocol: opts.secure ? 'wss' : 'ws', description: 'This server; the channel is at /ws on the HTTP port' },
    },
    channels: {
      [CHANNEL]: {
        address: ADDRESS,
        title: 'Live events',
        description: topicTable(opts.catalog),
        servers: [{ $ref: '#/servers/simulator' }],
        messages: channelMessages,
      },
    },
    operations,
    components: {
      schemas: components.sorted(),
      messages,
    },
  }
}
