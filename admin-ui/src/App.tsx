import { useEffect } from 'preact/hooks'
import { Banner } from './components/Banner.js'
import { GroundTruth } from './components/GroundTruth.js'
import { Heatmap } from './components/Heatmap.js'
import { LiveFeed } from './components/LiveFeed.js'
import { Scenarios } from './components/Scenarios.js'
import { SimulationPanel } from './components/SimulationPanel.js'
import { StreamChart } from './components/StreamChart.js'
import { Timeline } from './components/Timeline.js'
import { Toast } from './components/Toast.js'
import { TokenDialog } from './components/TokenDialog.js'
import type { Console } from './models/console.js'

/** The presenter's cockpit: controls on the left, what the marketplace does on the right. */
export function App({ c }: { c: Console }) {
  useEffect(() => {
    void c.start()
    return () => c.stop()
  }, [c])
  // "Rendered" means the world is on screen: streams, scenarios, state and clock all loaded.
  const ready =
    c.heatmap.streams.value.length > 0 && c.scenarios.catalog.value.length > 0 && c.scenarios.state.value !== undefined && c.clock.info.value !== undefined
  return (
    <div class="console" data-ready={ready ? 'true' : 'false'} data-busy={c.scenarios.busy.value ?? ''}>
      <header>
        <h1>Marketplace simulator</h1>
        <SimulationPanel c={c} />
      </header>
      <Banner c={c} />
      <main>
        <aside>
          <Scenarios c={c} />
        </aside>
        <div class="world">
          <div class="row">
            <Heatmap c={c} />
            <GroundTruth c={c} />
          </div>
          <StreamChart c={c} />
          <div class="row">
            <LiveFeed c={c} />
            <Timeline c={c} />
          </div>
        </div>
      </main>
      <Toast outcome={c.scenarios.outcome} dismiss={c.scenarios.dismiss} />
      <TokenDialog c={c} />
    </div>
  )
}
