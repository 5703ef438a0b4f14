/**
 * A small Prometheus registry and text exposition (format 0.0.4). Written here rather than
 * taken from prom-client: we need counters and gauges read from state the app already keeps
 * (hub stats, the world's counts) plus one histogram, and prom-client's default metrics start
 * process-wide observers that are never stopped, which leaks across the many apps a test
 * process builds. One Registry per app; nothing global.
 */

export type Labels = Readonly<Record<string, string>>
export type MetricType = 'counter' | 'gauge' | 'histogram'

/** One line of a family: `name{labels} value`, name being the family's name plus a suffix. */
export interface Sample {
  suffix?: string
  labels?: Labels
  value: number
}

export interface Family {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  /** Read at scrape time, so the figures are as fresh as the request. */
  collect(): Sample[]
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export class Registry {
  private readonly families = new Map<string, Family>()
  private readonly beforeScrape: Array<() => void> = []

  /** Runs before every render: for figures several families read from one snapshot. */
  onScrape(fn: () => void): void {
    this.beforeScrape.push(fn)
  }

  /** Adds a family; a bad or duplicate name is a programming error, caught at boot. */
  register(family: Family): void {
    if (!NAME.test(family.name)) throw new Error(`metrics: invalid metric name ${family.name}`)
    if (family.type === 'counter' && !family.name.endsWith('_total')) throw new Error(`metrics: counter ${family.name} must end in _total`)
    if (this.families.has(family.name)) throw new Error(`metrics: ${family.name} registered twice`)
    this.families.set(family.name, family)
  }

  /** A family whose single value (or one value per label set) is read from a function. */
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>): void {
    this.register({ name, help, type: 'gauge', collect: () => samples(read()) })
  }

  counter(name: string, help: string, read: () => number | Array<[Labels, number]>): void {
    this.register({ name, help, type: 'counter', collect: () => samples(read()) })
  }

  /** The whole exposition: HELP and TYPE before each family's samples, families in registration order. */
  render(): string {
    for (const fn of this.beforeScrape) fn()
    const out: string[] = []
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
      for (const s of f.collect()) out.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`)
    }
    return out.join('\n') + '\n'
  }
}

function samples(v: number | Array<[Labels, number]>): Sample[] {
  return typeof v === 'number' ? [{ value: v }] : v.map(([labels, value]) => ({ labels, value }))
}

/**
 * Observations counted into fixed upper bounds per label set. Buckets are stored per bound
 * and made cumulative when rendered, as the format requires (`le` = less than or equal).
 */
export class Histogram implements Family {
  readonly type = 'histogram'
  private readonly series = new Map<string, { labels: Labels; counts: Float64Array; sum: number; count: number }>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new Error(`metrics: ${name} buckets must be finite and strictly increasing`)
    }
    for (const l of labelNames) if (!LABEL.test(l) || l === 'le') throw new Error(`metrics: ${name} has an invalid label name ${l}`)
  }

  observe(labels: Labels, value: number): void {
    // Label sets are few (bounded by routes × methods × codes), so a joined key is cheap enough.
    const key = this.labelNames.map((l) => labels[l] ?? '').join('\u0000')
    let s = this.series.get(key)
    if (!s) {
      const own = Object.fromEntries(this.labelNames.map((l) => [l, labels[l] ?? '']))
      this.series.set(key, (s = { labels: own, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 }))
    }
    const i = this.bounds.findIndex((b) => value <= b)
    if (i >= 0) s.counts[i]!++
    s.sum += value
    s.count++
  }

  collect(): Sample[] {
    const out: Sample[] = []
    for (const s of this.series.values()) {
      let cumulative = 0
      this.bounds.forEach((b, i) => {
        cumulative += s.counts[i]!
        out.push({ suffix: '_bucket', labels: { ...s.labels, le: formatValue(b) }, value: cumulative })
      })
      out.push({ suffix: '_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count })
      out.push({ suffix: '_sum', labels: s.labels, value: s.sum })
      out.push({ suffix: '_count', labels: s.labels, value: s.count })
    }
    return out
  }
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return ''
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(v)
}
