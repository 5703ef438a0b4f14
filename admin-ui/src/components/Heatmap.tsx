import type { Console } from '../models/console.js'
import { cellColor, type Cell } from '../models/heatmap.js'
import { DottedName } from './DottedName.js'

function describe(cell: Cell): string {
  if (cell.normalized === undefined) return `${cell.name}: no reading yet`
  return `${cell.name}: ${cell.normalized} (${cell.flag}); ${cell.observed} observed, ${cell.expected} expected over its window`
}

/** Every stream by domain, coloured by its normalized value, outlined when flagged. Click to chart it. */
export function Heatmap({ c }: { c: Console }) {
  const { heatmap, chart } = c
  const selected = chart.selected.value
  return (
    <section class="panel heatmap" aria-label="Streams heatmap">
      <h2>
        Streams <span class="muted" data-testid="heatmap-summary">{heatmap.summary.value}</span>
      </h2>
      {heatmap.groups.value.map((g) => (
        <div class="domain" key={g.domain}>
          <h3>{g.domain}</h3>
          <div class="cells">
            {g.cells.map((cell) => (
              <button
                type="button"
                key={cell.name}
                class={`cell ${cell.flag ?? 'unknown'} ${selected === cell.name ? 'selected' : ''}`}
                style={{ background: cellColor(cell.normalized) }}
                title={describe(cell)}
                aria-label={describe(cell)}
                aria-pressed={selected === cell.name}
                data-stream={cell.name}
                data-normalized={cell.normalized ?? ''}
                data-observed={cell.observed ?? ''}
                data-expected={cell.expected ?? ''}
                data-flag={cell.flag ?? ''}
                onClick={() => {
                  chart.select(selected === cell.name ? undefined : cell.name)
                  c.refreshViews()
                }}
              >
                <span class="cell-name">
                  <DottedName name={cell.name.split('.').slice(1).join('.')} />
                </span>
                <span class="cell-value">{cell.normalized === undefined ? '—' : Math.round(cell.normalized)}</span>
              </button>
            ))}
          </div>
        </div>
      ))}
      <p class="legend muted">
        <span>0-100, 50 = as expected:</span>
        <span>
          <span class="swatch" style={{ background: cellColor(20) }} /> far below
        </span>
        <span>
          <span class="swatch" style={{ background: cellColor(50) }} /> expected
        </span>
        <span>
          <span class="swatch" style={{ background: cellColor(80) }} /> far above
        </span>
        <span>outline: amber warning (|z| ≥ 2), red critical (|z| ≥ 3)</span>
      </p>
    </section>
  )
}
