import type { Console } from '../models/console.js'
import { formatSimTime } from '../models/format.js'
import { EventIcon } from './EventIcon.js'

/** External events of the last week and those still to come, newest first. */
export function Timeline({ c }: { c: Console }) {
  const now = c.clock.simNow.value
  const events = c.timeline.events.value
  return (
    <section class="panel timeline" aria-label="External events">
      <h2>External events</h2>
      {events.length === 0 && <p class="muted">Nothing happened in the last week.</p>}
      <ol data-testid="timeline">
        {events.map((e) => {
          const upcoming = Date.parse(e.timestamp) > now
          return (
            <li key={`${e.id}@${e.timestamp}`} class={`${e.severity} ${upcoming ? 'upcoming' : ''}`}>
              <span class="icon" title={e.type}>
                <EventIcon event={e} size={22} />
              </span>
              <div>
                <strong>{e.title}</strong> <span class="muted">{upcoming ? 'due ' : ''}{formatSimTime(Date.parse(e.timestamp))}</span>
                <p class="muted">
                  {e.expectedImpact.direction} · {e.expectedImpact.magnitude} · {e.expectedImpact.streams.join(', ')}
                </p>
              </div>
            </li>
          )
        })}
      </ol>
    </section>
  )
}
