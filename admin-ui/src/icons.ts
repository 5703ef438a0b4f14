import type { EventType, Severity } from '@marketsim/shared-types'

/**
 * Icons of external events as SVG path data (24×24, stroked), one per event type. Shipped in
 * the bundle and drawn by the browser itself: the server's emoji render as empty boxes where
 * no emoji font is installed (a projector PC, a Linux kiosk), and nothing is fetched. The chart
 * draws the same paths on its canvas (Path2D takes SVG path data).
 */
export const EVENT_ICON_PATHS: Record<EventType, string> = {
  // A megaphone.
  marketing: 'M3 10v4h3l7 5V5L6 10H3z M17 9a4 4 0 0 1 0 6 M19.5 6.5a7.5 7.5 0 0 1 0 11',
  // A box: something shipped.
  product: 'M12 3l8 4.5v9L12 21l-8-4.5v-9L12 3z M4 7.5l8 4.5 8-4.5 M12 12v9',
  // Two servers in a rack.
  infrastructure: 'M4 4h16v6H4z M4 14h16v6H4z M8 7h1 M8 17h1',
  // A graduation cap.
  academic: 'M2 9l10-5 10 5-10 5-10-5z M6 11v5c3 2.5 9 2.5 12 0v-5 M22 9v6',
  // A trophy.
  competitive: 'M8 4h8v6a4 4 0 0 1-8 0V4z M8 6H5a3 3 0 0 0 3 5 M16 6h3a3 3 0 0 1-3 5 M12 14v4 M8 20h8',
  // A clipboard with a checklist.
  operational: 'M9 3h6v3H9z M7 4.5H5V21h14V4.5h-2 M8 11l1.5 1.5L12 10 M8 16.5h8',
}

/** The stroke of an icon by severity, matching the timeline's colours. */
export const SEVERITY_COLOURS: Record<Severity, string> = { info: '#98a0b8', warning: '#ffb547', critical: '#ff5a5a' }

/** An event's path data; an unknown type (a newer server) gets the operational clipboard. */
export const iconPath = (type: string): string => EVENT_ICON_PATHS[type as EventType] ?? EVENT_ICON_PATHS.operational
