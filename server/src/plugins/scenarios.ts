import fp from 'fastify-plugin'
import type { ScenarioSummary } from '@marketsim/shared-types'
import { scenarioSummaries } from '../scenarios/catalog.js'

export interface ScenariosService {
  /** Every scenario of config/scenarios in index order. */
  readonly summaries: readonly ScenarioSummary[]
}

declare module 'fastify' {
  interface FastifyInstance {
    scenarios: ScenariosService
  }
}

export default fp(
  async (app) => {
    app.decorate('scenarios', { summaries: scenarioSummaries(app.world) })
  },
  { name: 'scenarios', dependencies: ['config'] },
)
