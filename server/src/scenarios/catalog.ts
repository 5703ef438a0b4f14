import type { ScenarioDefinition, ScenarioSummary, StreamModification } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'
import { compileModel } from '../sim/model.js'
import { howItShows } from './how-it-shows.js'

/** Per world config: when a factor on each stream shows (the chains decide it, not the start). */
const shows = new WeakMap<WorldConfig, Map<string, string | undefined>>()
function showsOf(world: WorldConfig | undefined, name: string): string | undefined {
  if (!world) return undefined
  let m = shows.get(world)
  if (!m) {
    const model = compileModel(world, 0)
    shows.set(world, (m = new Map(model.streams.map((s) => [s.name, howItShows(model, s.idx)]))))
  }
  return m.get(name)
}

/** A definition's stream modifications in the contract's StreamModification shape. */
export function contractModifications(def: ScenarioDefinition, world?: WorldConfig): Record<string, StreamModification> {
  const out: Record<string, StreamModification> = {}
  for (const [name, mod] of Object.entries(def.affectedStreams)) {
    const m: StreamModification = {}
    if (mod.multiplier !== undefined) m.multiplier = mod.multiplier
    if (mod.additive !== undefined) m.additive = mod.additive
    if (typeof mod.override === 'number') m.override = mod.override
    if (mod.probabilityShift) m.probabilityShift = mod.probabilityShift
    const when = mod.multiplier !== undefined || mod.additive !== undefined ? showsOf(world, name) : undefined
    if (when) m.shows = when
    out[name] = m
  }
  return out
}

/** The contract's ScenarioSummary for each definition, with the optional extras filled in. */
export function scenarioSummaries(world: WorldConfig): ScenarioSummary[] {
  const byId = new Map(world.scenarioIndex.scenarios.map((e) => [e.id, e]))
  return world.scenarios.map((def) => {
    const entry = byId.get(def.id)!
    const affectedStreams = contractModifications(def, world)
    return {
      id: def.id,
      name: def.name,
      description: def.description,
      duration: def.duration,
      settlementDuration: def.settlementDuration ?? def.duration,
      settlementType: def.settlementType ?? 'linear',
      category: entry.category,
      tags: entry.tags,
      affectedStreams,
    }
  })
}
