import type { Console } from '../models/console.js'
import { formatFactor } from '../models/format.js'
import { DottedName } from './DottedName.js'

/** What the simulator applied for the running scenario, next to what the heatmap shows for it. */
export function GroundTruth({ c }: { c: Console }) {
  const { truth, heatmap, scenarios } = c
  const running = scenarios.running.value
  const rows = truth.forScenario.value === running?.modifier.id ? truth.rows.value : []
  return (
    <section class="panel truth" aria-label="Ground truth">
      <h2>
        Ground truth <span class="muted">{running ? `of ${running.name}` : ''}</span>
      </h2>
      {!running && <p class="muted">Activate a scenario to see what the simulator changes, and whether the heatmap shows it.</p>}
      {truth.error.value && <p class="muted">{truth.error.value}</p>}
      {running && rows.length === 0 && !truth.error.value && <p class="muted">Loading what was applied…</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
        <table data-testid="truth-table">
          <thead>
            <tr>
              <th scope="col">stream</th>
              <th scope="col">cause</th>
              <th scope="col">declared</th>
              <th scope="col">now</th>
              <th scope="col" title="expected count now with this kind of effect ÷ without it">expected</th>
              <th scope="col">heatmap</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const p = heatmap.pulse.value[r.stream]
              return (
                <tr key={r.id} data-stream={r.stream}>
                  <td>
                    <button type="button" class="link" onClick={() => (c.chart.select(r.stream), c.refreshViews())}>
                      <DottedName name={r.stream} />
                    </button>
                  </td>
                  <td>{r.cause}</td>
                  <td>{r.mechanism === 'outcome-share' ? `share ×${r.declared.toFixed(2)}` : r.mechanism === 'knock-on' ? 'knock-on' : formatFactor(r.declared)}</td>
                  <td>{r.mechanism === 'knock-on' || r.now === 1 ? '—' : `×${r.now.toFixed(2)}`}</td>
                  <td>{r.expected === 1 ? '—' : `×${r.expected.toFixed(2)}`}</td>
                  <td class={p?.anomalyFlag}>{p ? `${Math.round(p.normalized)} ${p.anomalyFlag === 'normal' ? '' : p.anomalyFlag}` : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
        </div>
      )}
    </section>
  )
}
