/**
 * The weather of demand: each root stream's arrival rate carries a persistent multiplicative
 * deviation from its calendar shape, a log-normal AR(1) over UTC hours. Real traffic of this
 * volume does not jump by a third from one hour to the next; once time of day and weekday are
 * taken out, what is left drifts by a few percent for hours (weather, news, a campaign
 * somebody forgot to mention), and a high-volume stream sits a few to ~15% off its shape.
 *
 * Each hour's innovation is keyed by seed, stream and hour (not drawn from the world's
 * generator), so the weather of an hour is the same whatever else the world does.
 */
import type { StreamDef } from '@marketsim/shared-types'
import { Rng } from './rng.js'
import { HOUR } from './time.js'

export interface WeatherParams {
  /** The catalog's cv (of the hourly rate) times this is the deviation's marginal cv. */
  cvScale: number
  /** e-folding time of the deviation: the correlation of hours k apart is exp(-k / this). */
  correlationHours: number
}

export const DEFAULT_WEATHER: WeatherParams = { cvScale: 0.3, correlationHours: 6 }

/** Marginal variance of the log deviation (σ²) and hour-to-hour persistence (φ) of a stream. */
export function weatherOf(def: StreamDef, params: WeatherParams): { sigma2: number; phi: number } {
  const cv = def.cv * params.cvScale
  return { sigma2: Math.log(1 + cv * cv), phi: Math.exp(-1 / params.correlationHours) }
}

/** Covariance of the multiplicative factor (mean 1) between hours k apart. */
export function factorCovariance(sigma2: number, phi: number, k: number): number {
  return Math.expm1(sigma2 * phi ** k)
}

/** An hour further back than this restarts the process from its stationary law. */
const MAX_GAP_HOURS = 48

export class Weather {
  private readonly sigma: Float64Array
  private readonly phi: Float64Array
  private readonly x: Float64Array
  private readonly hour: Float64Array
  private readonly factor: Float64Array

  constructor(
    private readonly seed: number,
    private readonly streams: ReadonlyArray<{ name: string; def: StreamDef }>,
    params: WeatherParams,
  ) {
    const n = streams.length
    this.sigma = new Float64Array(n)
    this.phi = new Float64Array(n)
    streams.forEach((s, i) => {
      const w = weatherOf(s.def, params)
      this.sigma[i] = Math.sqrt(w.sigma2)
      this.phi[i] = w.phi
    })
    this.x = new Float64Array(n)
    this.hour = new Float64Array(n).fill(Number.NaN)
    this.factor = new Float64Array(n).fill(1)
  }

  private innovation(s: number, hour: number): number {
    return Rng.derive(this.seed, 'weather', this.streams[s]!.name, hour).normal()
  }

  /** The rate factor (mean 1) of stream s in the UTC hour holding t. Hours are asked in order. */
  at(s: number, t: number): number {
    const h = Math.floor(t / HOUR)
    const last = this.hour[s]!
    if (last === h) return this.factor[s]!
    const sigma = this.sigma[s]!
    if (sigma === 0) {
      this.hour[s] = h
      return 1
    }
    const phi = this.phi[s]!
    if (!(h > last && h - last <= MAX_GAP_HOURS)) this.x[s] = sigma * this.innovation(s, h)
    else {
      const keep = Math.sqrt(1 - phi * phi) * sigma
      for (let k = last + 1; k <= h; k++) this.x[s] = phi * this.x[s]! + keep * this.innovation(s, k)
    }
    this.hour[s] = h
    this.factor[s] = Math.exp(this.x[s]! - (sigma * sigma) / 2)
    return this.factor[s]!
  }
}
