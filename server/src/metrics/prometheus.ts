/**
 * prom-client, shaped for this app: one registry per app (tests build many apps in one
 * process) for the figures the app already keeps, read at scrape time, and one set of
 * prom-client's default process metrics per process. Those start observers that are never
 * stopped (an event-loop monitor, a GC observer), so they are collected once and shared by
 * every app of the process rather than started, and leaked, per app.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export type Labels = Record<string, string>
/** One value, or one per label set. */
export type Reading = number | Array<[Labels, number]>

let processRegistry: Registry | undefined

/**
 * The process's own metrics (CPU, memory, event-loop delay since the previous scrape, GC,
 * handles, …). The first app of a process sets how finely the event loop is sampled.
 */
export function processMetrics(eventLoopResolutionMs: number): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: eventLoopResolutionMs })
  }
  return processRegistry
}

/**
 * A gauge or a counter whose value (or values per label set) is read from `read` at scrape
 * time. A counter's total comes from what the app keeps and may start again (a rebuilt world
 * counts its past anew), which Prometheus' rate() reads as a counter reset.
 */
export function readMetric(registry: Registry, type: 'gauge' | 'counter', name: string, help: string, read: () => Reading, labelNames: string[] = []): void {
  const Kind = type === 'gauge' ? Gauge : Counter
  new Kind({
    name,
    help,
    registers: [registry],
    labelNames,
    collect(this: Gauge | Counter) {
      const v = read()
      this.reset()
      for (const [labels, value] of typeof v === 'number' ? [[{}, v] as const] : v) {
        if (this instanceof Gauge) this.set(labels, value)
        else this.inc(labels, value)
      }
    },
  })
}

/** The app's figures and the process's, in the text format 0.0.4. */
export async function render(app: Registry, process: Registry): Promise<{ contentType: string; text: string }> {
  const both = Registry.merge([app, process])
  return { contentType: both.contentType, text: await both.metrics() }
}
