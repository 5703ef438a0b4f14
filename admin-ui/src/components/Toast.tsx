import type { ReadonlySignal } from '@preact/signals'
import type { Outcome } from '../models/scenarios.js'

/**
 * What the last action came to, fixed in a corner of the viewport: seen wherever the page is
 * scrolled (a refusal of a card far down the list used to be said above the fold).
 */
export function Toast({ outcome, dismiss }: { outcome: ReadonlySignal<Outcome | undefined>; dismiss(): void }) {
  const o = outcome.value
  return (
    <div class="toasts">
      {o && (
        <p class={`toast ${o.kind}`} role={o.kind === 'error' ? 'alert' : 'status'} data-testid={o.kind === 'error' ? 'toast-error' : 'toast-notice'}>
          <span>
            {o.kind === 'error' && o.subject && <strong>{o.subject} was not activated. </strong>}
            {o.text}
          </span>
          <button type="button" class="dismiss" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </p>
      )}
    </div>
  )
}
