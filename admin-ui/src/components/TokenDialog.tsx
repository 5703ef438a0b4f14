import { useEffect, useRef } from 'preact/hooks'
import type { Console } from '../models/console.js'

/**
 * Asks for the admin token when a control of a protected server answers 401: a native modal
 * <dialog> (focus in the field, Enter submits, Escape cancels). Kept for the browser session.
 */
export function TokenDialog({ c }: { c: Console }) {
  const { auth } = c
  const why = auth.asking.value
  const ref = useRef<HTMLDialogElement>(null)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (why && !d.open) {
      if (input.current) input.current.value = ''
      d.showModal()
      input.current?.focus()
    }
    if (!why && d.open) d.close()
  }, [why])
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="token-title" onCancel={(e) => (e.preventDefault(), auth.cancel())} data-testid="token-dialog">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault()
          auth.submit(input.current?.value ?? '')
        }}
      >
        <h2 id="token-title">Admin token</h2>
        <p role={why === 'refused' ? 'alert' : undefined} data-testid="token-reason">
          {why === 'refused'
            ? 'The server refused that token: it is not the ADMIN_TOKEN the server runs with. Check it and enter it again.'
            : 'This server protects its controls. Enter the admin token (ADMIN_TOKEN); the console keeps it until this tab is closed.'}
        </p>
        <label>
          Token <input ref={input} type="password" name="token" autocomplete="off" required data-testid="token-input" />
        </label>
        <div class="actions">
          <button type="button" onClick={() => auth.cancel()}>
            Cancel
          </button>
          <button type="submit" class="primary" data-testid="token-submit">
            Continue
          </button>
        </div>
      </form>
    </dialog>
  )
}
