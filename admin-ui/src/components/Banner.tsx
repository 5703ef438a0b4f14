import type { Console } from '../models/console.js'

/** What the presenter must know now: the link is down, it came back, an action failed or worked. */
export function Banner({ c }: { c: Console }) {
  const { live, scenarios, loadError } = c
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
  if (scenarios.error.value) lines.push({ kind: 'error', text: scenarios.error.value, testid: 'banner-error' })
  else if (scenarios.notice.value) lines.push({ kind: 'ok', text: scenarios.notice.value, testid: 'banner-notice' })
  if (lines.length === 0) return null
  return (
    <div class="banners">
      {lines.map((l) => (
        <p key={l.testid} class={`banner ${l.kind}`} role={l.kind === 'error' ? 'alert' : 'status'} data-testid={l.testid}>
          {l.text}
          {(l.testid === 'banner-error' || l.testid === 'banner-notice') && (
            <button type="button" class="dismiss" aria-label="Dismiss" onClick={() => scenarios.dismiss()}>
              ×
            </button>
          )}
        </p>
      ))}
    </div>
  )
}
