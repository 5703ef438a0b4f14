import type { StreamInfo } from '@marketsim/shared-types'
import type { WorldConfig } from './config/load.js'

/** The public view of the stream catalog: config plus the derived hourly rate. */
export function buildCatalog(world: WorldConfig): StreamInfo[] {
  return world.streams.streams.map((s) => ({
    name: s.name,
    domain: s.domain,
    description: s.description,
    cadence: s.cadence,
    baselineRatePerHour: Math.round((s.eventsPerDay / 24) * 1000) / 1000,
    eventsPerDay: s.eventsPerDay,
    cv: s.cv,
    timeOfDay: s.timeOfDay,
    dayOfWeek: s.dayOfWeek,
    measure: s.measure,
    payloadFields: s.payload,
  }))
}
