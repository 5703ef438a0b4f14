/**
 * WebSocket topics compiled to a matcher checked in O(1) per event: `*`, the domain aliases
 * (`marketing.*` includes `seo.organic.traffic`, `system.*` its five streams), any
 * `<prefix>.*`, exact stream names, `anomalies`, `simulation` (state pushes) and `pulse` (every
 * stream's standing, once a second). A topic that
 * matches no stream is an error, never a silent no-op.
 */
import { WS_SPECIAL_TOPICS, type WsSpecialTopic } from '@marketsim/shared-types'
import type { Model } from '../sim/model.js'

/** What resolving a topic needs of the model: the streams and the name index (the docs resolve against the catalog). */
export type TopicModel = Pick<Model, 'index'> & { readonly streams: readonly { readonly idx: number; readonly name: string; readonly def: { readonly domain: string } }[] }

/** Stream index → subscribed, and one flag per special topic. */
export type Matcher = { streams: Uint8Array } & Record<WsSpecialTopic, boolean>

const SPECIAL = new Set<string>(WS_SPECIAL_TOPICS)
const isSpecial = (topic: string): topic is WsSpecialTopic => SPECIAL.has(topic)

function matcher(streams: number): Matcher {
  return Object.assign({ streams: new Uint8Array(streams) }, Object.fromEntries(WS_SPECIAL_TOPICS.map((t) => [t, false])) as Record<WsSpecialTopic, boolean>)
}

/** A connection's matcher before its first subscribe: nothing. */
export const NO_TOPICS: Matcher = matcher(0)

/** The streams a topic names, the special topic it is, or undefined when it names none. */
export function resolveTopic(model: TopicModel, topic: string): number[] | WsSpecialTopic | undefined {
  if (isSpecial(topic)) return topic
  const all = model.streams
  if (topic === '*') return all.map((s) => s.idx)
  if (topic.endsWith('.*')) {
    const prefix = topic.slice(0, -2)
    const byDomain = all.filter((s) => s.def.domain === prefix)
    const byPrefix = all.filter((s) => s.name.startsWith(`${prefix}.`))
    const set = new Set([...byDomain, ...byPrefix].map((s) => s.idx))
    return set.size > 0 ? [...set] : undefined
  }
  const exact = model.index.get(topic)
  return exact === undefined ? undefined : [exact]
}

export function compileTopics(model: Model, topics: Iterable<string>): Matcher {
  const m = matcher(model.streams.length)
  for (const topic of topics) {
    const r = resolveTopic(model, topic)
    if (typeof r === 'string') m[r] = true
    else if (r) for (const i of r) m.streams[i] = 1
  }
  return m
}
