import type { Console } from '../models/console.js'

/** Topics offered in the feed's filter: everything, anomalies, each domain, each stream. */
function topicOptions(streams: string[], domains: string[]): Array<[string, string]> {
  return [
    ['*', 'all streams (heavy at 600×)'],
    ['anomalies', 'anomalies only'],
    ...domains.map((d): [string, string] => [`${d}.*`, `${d} domain`]),
    ...streams.map((s): [string, string] => [s, s]),
  ]
}

const payloadText = (data: Record<string, unknown>) =>
  Object.entries(data)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ')

/** The newest events of a chosen topic, with their normalized value and flag. */
export function LiveFeed({ c }: { c: Console }) {
  const { feed, live, heatmap } = c
  const streams = heatmap.streams.value.map((s) => s.name)
  const domains = [...new Set(heatmap.streams.value.map((s) => s.domain))]
  return (
    <section class="panel feed" aria-label="Live feed">
      <h2>
        Live feed <span class="muted" data-testid="feed-rate">{feed.rate.value} events/s · {feed.total.value} received</span>
      </h2>
      <div class="feed-controls">
        <label>
          Topic{' '}
          <select data-testid="feed-topic" value={live.feedTopic.value} onChange={(e) => (feed.clear(), live.setFeedTopic((e.target as HTMLSelectElement).value))}>
            {topicOptions(streams, domains).map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-pressed={feed.paused.value} onClick={() => (feed.paused.value = !feed.paused.value)}>
          {feed.paused.value ? 'Resume' : 'Hold'}
        </button>
      </div>
      <ol class="events" data-testid="feed" aria-live="off">
        {feed.events.value.map((e) => (
          <li key={e.seq} class={e.anomalyFlag ?? ''}>
            <time>{e.timestamp.slice(11, 19)}</time> <code>{e.stream}</code> <span class="nv">{e.normalizedValue ?? ''}</span>{' '}
            <span class="payload">{payloadText(e.data)}</span>
          </li>
        ))}
      </ol>
    </section>
  )
}
