import { useEffect, useState } from 'preact/hooks'
import type { ScenarioSummary, StreamInfo } from '@marketsim/shared-types'
import { api } from './api'

type Load = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; streams: StreamInfo[]; scenarios: ScenarioSummary[] }

/** The console's first page: what the simulator holds. The full console grows from here. */
export function App() {
  const [load, setLoad] = useState<Load>({ status: 'loading' })
  useEffect(() => {
    Promise.all([api.streams(), api.scenarios()]).then(
      ([s, sc]) => setLoad({ status: 'ok', streams: s.streams, scenarios: sc.scenarios }),
      (e: Error) => setLoad({ status: 'error', message: e.message }),
    )
  }, [])

  return (
    <main>
      <h1>Marketplace simulator</h1>
      {load.status === 'loading' && <p>Loading…</p>}
      {load.status === 'error' && <p role="alert">Cannot reach the API: {load.message}</p>}
      {load.status === 'ok' && (
        <>
          <p data-testid="summary">
            {load.streams.length} streams · {load.scenarios.length} scenarios
          </p>
          <h2>Scenarios</h2>
          <ul>
            {load.scenarios.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong> · {s.duration} — {s.description}
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  )
}
