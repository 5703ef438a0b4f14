import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

/** A modal confirmation on the native <dialog>: focus moves into it, Escape cancels. */
export function ConfirmDialog(p: { open: boolean; title: string; confirmLabel: string; onConfirm(): void; onCancel(): void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (p.open && !d.open) d.showModal()
    if (!p.open && d.open) d.close()
  }, [p.open])
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={(e) => (e.preventDefault(), p.onCancel())} data-testid="confirm-dialog">
      <h2 id="confirm-title">{p.title}</h2>
      <p>{p.children}</p>
      <div class="actions">
        <button type="button" onClick={p.onCancel} autofocus>
          Cancel
        </button>
        <button type="button" class="danger" data-testid="confirm" onClick={p.onConfirm}>
          {p.confirmLabel}
        </button>
      </div>
    </dialog>
  )
}
