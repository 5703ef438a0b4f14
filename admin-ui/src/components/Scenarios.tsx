import { useRef, useState } from 'preact/hooks'
import type { ScenarioSummary, StreamModification } from '@marketsim/shared-types'
import type { Console } from '../models/console.js'
import type { Scenarios as ScenariosModel } from '../models/scenarios.js'
import { formatFactor, formatSpan } from '../models/format.js'
import { ConfirmDialog } from './ConfirmDialog.js'

function effectText(m: StreamModification): string {
  if (m.override !== undefined) return `forced to ${m.override}%`
  const parts: string[] = []
  if (m.multiplier !== undefined) parts.push(formatFactor(m.multiplier))
  if (m.additive !== undefined) parts.push(`${m.additive >= 0 ? '+' : ''}${m.additive}/h`)
  if (m.probabilityShift) parts.push('outcome mix shifted')
  return parts.join(' ') || 'payload shifted'
}

/** The running scenario: its phase with progress and time left, Stop and Reset. */
function RunningCard({ c }: { c: Console }) {
  const { scenarios } = c
  const r = scenarios.running.value
  const [confirming, setConfirming] = useState(false)
  const busy = scenarios.busy.value !== undefined
  return (
    <section class="panel running" aria-label="Running scenario" data-testid="running" data-phase={r?.phase ?? 'none'}>
      <h2>Running</h2>
      {r ? (
        <>
          <p class="running-name">
            <strong>{r.name}</strong> <span class={`phase ${r.phase}`} data-testid="phase">{r.phase}</span>
          </p>
          <div class="progress" role="progressbar" aria-label={`${r.phase} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(r.progress * 100)}>
            <div style={{ width: `${r.progress * 100}%` }} />
          </div>
          <p class="muted" data-testid="time-left">
            {r.phase === 'settled'
              ? 'settled: the marketplace is back to its baseline'
              : r.leftMs === undefined
                ? 'runs until stopped'
                : `${formatSpan(r.leftMs)} of simulated time left ${r.phase === 'active' ? 'active, then settling' : 'settling'}`}
          </p>
        </>
      ) : (
        <p class="muted" data-testid="no-scenario">
          No scenario: the marketplace runs on its baseline.
        </p>
      )}
      <div class="actions">
        <button type="button" data-testid="stop" disabled={busy || r?.phase !== 'active'} onClick={() => void scenarios.stop()}>
          {scenarios.busy.value === 'stop' ? 'Stopping…' : 'Stop'}
        </button>
        <button type="button" class="danger" data-testid="reset" disabled={busy} onClick={() => setConfirming(true)}>
          {scenarios.busy.value === 'reset' ? 'Resetting…' : 'Reset to baseline…'}
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Reset to baseline?"
        confirmLabel="Reset"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false)
          void scenarios.reset()
        }}
      >
        Every scenario, its events and cascades are cleared and the past is restored to the baseline. Dashboards will see the history change.
      </ConfirmDialog>
    </section>
  )
}

/**
 * One scenario: what it does, and Activate. While another runs, Activate is disabled and the card
 * says why; a refused activation is said here, by the button pressed (and in the toast).
 */
function ScenarioCard({ scenarios, s }: { scenarios: ScenariosModel; s: ScenarioSummary }) {
  const days = useRef<HTMLSelectElement>(null)
  const running = scenarios.running.value
  const mine = running?.modifier.type === s.id
  const busy = scenarios.busy.value
  const blocked = scenarios.blockedFor(s.id)
  const refusal = scenarios.refusalFor(s.id)
  const said = [blocked && `why-${s.id}`, refusal && `refused-${s.id}`].filter(Boolean).join(' ')
  return (
    <article class={`card ${mine ? `is-${running!.phase}` : ''}`} data-testid={`scenario-${s.id}`} data-state={mine ? running!.phase : 'idle'} aria-labelledby={`sc-${s.id}`}>
      <h3 id={`sc-${s.id}`}>{s.name}</h3>
      <p class="muted">
        {s.duration}
        {s.settlementType === 'immediate' ? ' · ends at once' : s.settlementDuration ? ` · settles over ${s.settlementDuration}` : ''}
        {mine ? ` · ${running!.phase}` : ''}
      </p>
      <p class="desc">{s.description}</p>
      {s.affectedStreams && Object.keys(s.affectedStreams).length > 0 && (
        <ul class="effects">
          {Object.entries(s.affectedStreams).map(([stream, m]) => (
            <li key={stream}>
              <code>{stream}</code> <span>{effectText(m)}</span>
              {m.shows && <small class="shows"> · {m.shows}</small>}
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button
          type="button"
          class="primary"
          data-testid={`activate-${s.id}`}
          disabled={busy !== undefined || blocked !== undefined}
          title={blocked}
          aria-describedby={said || undefined}
          onClick={() => void scenarios.activate(s.id, Number(days.current?.value ?? 0))}
        >
          {busy === `activate:${s.id}` ? 'Activating…' : 'Activate'}
        </button>
        <label>
          <span class="sr-only">Start</span>
          <select ref={days} data-testid={`backdate-${s.id}`} aria-label={`Start of ${s.name}`} disabled={blocked !== undefined}>
            <option value="0">now</option>
            {[1, 2, 3, 7].map((d) => (
              <option key={d} value={d}>
                started {d} day{d > 1 ? 's' : ''} ago
              </option>
            ))}
          </select>
        </label>
      </div>
      {blocked && (
        <p class="blocked" id={`why-${s.id}`} data-testid={`blocked-${s.id}`}>
          {blocked}
        </p>
      )}
      {refusal && (
        <p class="refusal" id={`refused-${s.id}`} data-testid={`refusal-${s.id}`}>
          Not activated: {refusal}
        </p>
      )}
    </article>
  )
}

export function Scenarios({ c }: { c: Console }) {
  return (
    <div class="scenarios">
      <RunningCard c={c} />
      <section class="panel" aria-label="Scenarios">
        <h2>Scenarios</h2>
        <div class="cards">
          {c.scenarios.catalog.value.map((s) => (
            <ScenarioCard key={s.id} scenarios={c.scenarios} s={s} />
          ))}
        </div>
      </section>
    </div>
  )
}
