import type { ScenarioDefinition, ScenarioSummary, StreamModification } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'

/** A definition's stream modifications in the contract's StreamModification shape. */
export function contractModifications(def: ScenarioDefinition): Record<string, StreamModification> {
  const out: Record<string, StreamModification> = {}
  for (const [name, mod] of Object.entries(def.affectedStreams)) {
    const m: StreamModification = {}
    if (mod.multiplier !== undefined) m.multiplier = mod.multiplier
    if (mod.additive !== undefined) m.additive = mod.additive
    if (typeof mod.override === 'number') m.override = mod.override
    if (mod.probabilityShift) m.probabilityShift = mod.probabilityShift
    out[name] = m
  }
  return out
}

/** The contract's ScenarioSummary for each definition, with the optional extras filled in. */
export function scenarioSummaries(world: WorldConfig): ScenarioSummary[] {
  const byId = new Map(world.scenarioIndex.scenarios.map((e) => [e.id, e]))
  return world.scenarios.map((def) => {
    const entry = byId.get(def.id)!
    const affectedStreams = contractModifications(def)
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
