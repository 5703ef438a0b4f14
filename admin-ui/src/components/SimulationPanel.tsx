import type { ReadonlySignal } from '@preact/signals'
import type { Console } from '../models/console.js'
import { SPEEDS, type LiveGap } from '../models/clock.js'
import { formatSimTime, formatSpan } from '../models/format.js'

const speedLabel = (s: number) => (s === 0 ? 'Pause' : `${s}×`)

/** A clock that could follow the wall clock but is paused or off it: by how much, and Go live. */
function LiveGapNote({ gap, busy, goLive }: { gap: ReadonlySignal<LiveGap | undefined>; busy: ReadonlySignal<string | undefined>; goLive(): void }) {
  const g = gap.value
  if (!g) return null
  return (
    <p class="live-gap" data-testid="live-gap">
      <span data-testid="live-gap-text">{g.text}</span>
      {g.canGoLive && (
        <button type="button" class="primary" data-testid="go-live" disabled={busy.value !== undefined} onClick={goLive}>
          {busy.value === 'live' ? 'Going live…' : 'Go live'}
        </button>
      )}
    </p>
  )
}

/** Simulated time, clock speed, seed, state and the link to the server. */
export function SimulationPanel({ c }: { c: Console }) {
  const { clock, scenarios, live } = c
  const now = clock.simNow.value
  const state = scenarios.state.value
  const speed = clock.speed.value
  return (
    <section class="panel sim" aria-label="Simulation">
      <div class="sim-time">
        <span class="label">Simulated time (UTC)</span>
        <time data-testid="sim-time" dateTime={Number.isNaN(now) ? undefined : new Date(now).toISOString()}>
          {Number.isNaN(now) ? '—' : formatSimTime(now)}
        </time>
      </div>
      <LiveGapNote gap={clock.gap} busy={scenarios.busy} goLive={() => void scenarios.goLive()} />
      {clock.behind.value && (
        <p class="pace" data-testid="pace" role="status">
          {clock.behind.value}
        </p>
      )}
      <div class="speeds" role="group" aria-label="Clock speed">
        {SPEEDS.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={speed === s}
            disabled={scenarios.busy.value !== undefined}
            onClick={() => void scenarios.setSpeed(s)}
          >
            {speedLabel(s)}
          </button>
        ))}
      </div>
      <dl class="facts">
        <div>
          <dt>State</dt>
          <dd data-testid="baseline-state" class={state?.baselineState === 'custom' ? 'custom' : ''}>
            {state?.baselineState ?? '—'}
          </dd>
        </div>
        <div>
          <dt>History</dt>
          <dd data-testid="historical-mode">{state?.historicalMode ?? '—'}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd data-testid="seed">{clock.info.value?.seed ?? '—'}</dd>
        </div>
        <div>
          <dt>Link</dt>
          <dd data-testid="link-status" class={`link ${live.status.value}`}>
            {live.status.value === 'open'
              ? 'live'
              : live.status.value === 'connecting'
                ? 'connecting…'
                : `reconnecting${live.retryInMs.value ? ` (retry in ${formatSpan(live.retryInMs.value)}, attempt ${live.attempt.value})` : '…'}`}
          </dd>
        </div>
      </dl>
    </section>
  )
}
