import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Console } from '../models/console.js'
import type { Series } from '../models/chart.js'

/** External events as vertical lines with their icon, drawn over the plot. */
function markersPlugin(get: () => Series | undefined): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const s = get()
        if (!s) return
        const ctx = u.ctx
        ctx.save()
        ctx.strokeStyle = 'rgba(255, 200, 80, 0.8)'
        ctx.fillStyle = 'rgba(255, 200, 80, 0.95)'
        ctx.font = `${12 * devicePixelRatio}px system-ui`
        for (const e of s.markers) {
          const x = u.valToPos(Date.parse(e.timestamp) / 1000, 'x', true)
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue
          ctx.beginPath()
          ctx.setLineDash([4, 4])
          ctx.moveTo(x, u.bbox.top)
          ctx.lineTo(x, u.bbox.top + u.bbox.height)
          ctx.stroke()
          ctx.fillText(e.icon, x + 3, u.bbox.top + 14 * devicePixelRatio)
        }
        ctx.restore()
      },
    },
  }
}

function Plot({ series }: { series: Series }) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot>()
  const latest = useRef(series)
  latest.current = series

  useEffect(() => {
    const el = host.current!
    const u = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        plugins: [markersPlugin(() => latest.current)],
        scales: { x: { time: true }, n: { range: [0, 100] } },
        axes: [
          { stroke: '#aab' },
          { stroke: '#aab', label: 'events / hour', size: 60 },
          { scale: 'n', side: 1, stroke: '#778', label: 'normalized', grid: { show: false } },
        ],
        series: [
          {},
          { label: 'value', stroke: '#5ab0ff', width: 2, fill: 'rgba(90,176,255,0.12)' },
          { label: 'normalized', scale: 'n', stroke: '#ff9f5a', width: 1, dash: [5, 4] },
        ],
      },
      [series.times, series.values, series.normalized],
      el,
    )
    plot.current = u
    const resize = () => u.setSize({ width: el.clientWidth || 600, height: 220 })
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      u.destroy()
    }
  }, [])

  useEffect(() => {
    plot.current?.setData([series.times, series.values, series.normalized])
  }, [series])

  return <div ref={host} class="plot" />
}

/** The selected stream: the last 7 days hourly plus the hour in progress, with event markers. */
export function StreamChart({ c }: { c: Console }) {
  const { chart } = c
  const stream = chart.selected.value
  if (!stream) return null
  const series = chart.series.value
  return (
    <section class="panel chart" aria-label={`Chart of ${stream}`} data-testid="chart">
      <h2>
        {stream} <span class="muted">last 7 days, hourly, live</span>
        <button type="button" class="dismiss" aria-label="Close chart" onClick={() => chart.select(undefined)}>
          ×
        </button>
      </h2>
      {chart.error.value && <p class="muted">{chart.error.value}</p>}
      {series ? <Plot series={series} /> : <p class="muted">Loading history…</p>}
      {series && series.markers.length > 0 && (
        <p class="muted">
          Markers:{' '}
          {series.markers.map((e) => (
            <span key={`${e.id}@${e.timestamp}`} class="marker">
              {e.icon} {e.title}
            </span>
          ))}
        </p>
      )}
    </section>
  )
}
