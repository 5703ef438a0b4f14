import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Console } from '../models/console.js'
import type { Series } from '../models/chart.js'
import { iconPath, SEVERITY_COLOURS } from '../icons.js'
import { EventIcon } from './EventIcon.js'

/** Path2D of each icon, made once (the markers are redrawn on every frame of the plot). */
const paths = new Map<string, Path2D>()
const pathOf = (type: string) => paths.get(type) ?? paths.set(type, new Path2D(iconPath(type))).get(type)!

/** External events as vertical lines with their icon (the SVG paths, not an emoji), drawn over the plot. */
function markersPlugin(get: () => Series | undefined): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const s = get()
        if (!s) return
        const ctx = u.ctx
        ctx.save()
        ctx.strokeStyle = 'rgba(255, 200, 80, 0.8)'
        const px = 14 * devicePixelRatio
        for (const e of s.markers) {
          const x = u.valToPos(Date.parse(e.timestamp) / 1000, 'x', true)
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue
          ctx.beginPath()
          ctx.setLineDash([4, 4])
          ctx.moveTo(x, u.bbox.top)
          ctx.lineTo(x, u.bbox.top + u.bbox.height)
          ctx.stroke()
          ctx.save()
          ctx.setLineDash([])
          ctx.translate(x + 3, u.bbox.top + 2)
          ctx.scale(px / 24, px / 24)
          ctx.lineWidth = 2.4
          ctx.strokeStyle = SEVERITY_COLOURS[e.severity] ?? SEVERITY_COLOURS.info
          ctx.stroke(pathOf(e.type))
          ctx.restore()
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
              <EventIcon event={e} size={14} /> {e.title}
            </span>
          ))}
        </p>
      )}
    </section>
  )
}
