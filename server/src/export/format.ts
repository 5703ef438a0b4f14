/**
 * The two file formats. NDJSON: one StreamEvent per line, exactly as the API serializes it.
 * CSV (RFC 4180): one row per event with the payload as a JSON object in one `data` column,
 * because the 50 streams have 50 payload shapes: a column per field would be a sparse table
 * of several hundred columns, while one JSON column loads as-is into Postgres (`jsonb` via
 * COPY … CSV HEADER) and pandas (`converters={'data': json.loads}`).
 */
import type { StreamEvent } from '@marketsim/shared-types'
import type { Format } from './options.js'

export const CSV_HEADER = 'stream,timestamp,seq,normalizedValue,anomalyFlag,data\n'

/** A field quoted for CSV: inside quotes, a quote is doubled. */
function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`
}

function csvRow(e: StreamEvent): string {
  // Stream names, ISO times, numbers and flags hold no comma, quote or newline; the payload does.
  return `${e.stream},${e.timestamp},${e.seq},${e.normalizedValue},${e.anomalyFlag},${quoted(JSON.stringify(e.data))}\n`
}

/** The file's text for a batch of events (one string: one write per slice). */
export function formatBatch(events: StreamEvent[], format: Format): string {
  let out = ''
  if (format === 'csv') for (const e of events) out += csvRow(e)
  else for (const e of events) out += JSON.stringify(e) + '\n'
  return out
}

export function header(format: Format): string {
  return format === 'csv' ? CSV_HEADER : ''
}
