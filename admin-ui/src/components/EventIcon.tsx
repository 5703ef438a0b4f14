import type { ExternalEvent } from '@marketsim/shared-types'
import { iconPath, SEVERITY_COLOURS } from '../icons.js'

/** An external event's icon as inline SVG: it renders without any emoji font. */
export function EventIcon({ event, size = 20 }: { event: Pick<ExternalEvent, 'type' | 'severity'>; size?: number }) {
  return (
    <svg
      class="event-icon"
      data-type={event.type}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke={SEVERITY_COLOURS[event.severity] ?? SEVERITY_COLOURS.info}
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={iconPath(event.type)} />
    </svg>
  )
}
