import type { Console } from '../models/console.js'

/**
 * What the presenter must know about the console itself: the link is down, it came back, the
 * world could not be loaded. What an action came to is said in a toast and by its card (Toast).
 */
export function Banner({ c }: { c: Console }) {
  const { live, loadError } = c
  const down = live.status.value === 'reconnecting'
  const caught = live.resumed.value
  const lines: Array<{ kind: 'error' | 'warn' | 'ok'; text: string; testid: string }> = []
  if (down) lines.push({ kind: 'warn', text: 'Connection to the simulator lost — reconnecting by itself; the feed will resume where it stopped.', testid: 'banner-link' })
  else if (caught)
    lines.push({
      kind: caught.complete ? 'ok' : 'warn',
      text: caught.complete
        ? `Reconnected — caught up ${caught.events} missed event${caught.events === 1 ? '' : 's'}.`
        : `Reconnected — ${caught.events} events caught up, but some were older than the server keeps; the charts were reloaded from history.`,
      testid: 'banner-resumed',
    })
  if (loadError.value) lines.push({ kind: 'error', text: loadError.value, testid: 'banner-load' })
  if (live.lastError.value) lines.push({ kind: 'warn', text: live.lastError.value, testid: 'banner-ws' })
  if (lines.length === 0) return null
  return (
    <div class="banners">
      {lines.map((l) => (
        <p key={l.testid} class={`banner ${l.kind}`} role={l.kind === 'error' ? 'alert' : 'status'} data-testid={l.testid}>
          {l.text}
        </p>
      ))}
    </div>
  )
}
