import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ScenarioListResponse } from '@marketsim/shared-types'

const scenarios: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/simulation/scenarios',
    {
      schema: {
        tags: ['scenarios'],
        summary: 'The pre-defined scenarios',
        description: 'Every scenario that POST /api/simulation/scenario can activate, from config/scenarios.',
        response: { 200: ScenarioListResponse },
      },
    },
    async () => ({ scenarios: [...app.scenarios.summaries] }),
  )
}
export default scenarios
