import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import { guarded } from '../guard.js'
import { Governor } from '../load/governor.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Load shedding: the tick's budget under a busy event loop (load/governor.ts). */
    governor: Governor
  }
}

const SAMPLE_MS = 1_000

/**
 * Once a second: how busy and how late the event loop was; the governor shrinks or grows the
 * tick's budget from that, and health says so while the world runs slower than its clock asks.
 * Only where the tick runs by itself (tests drive their clock and read no load).
 */
export default fp(
  async (app) => {
    const governor = new Governor()
    app.decorate('governor', governor)
    const delay = monitorEventLoopDelay({ resolution: 10 })
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      if (!app.simulation.ticks) return
      app.simulation.governor = governor
      delay.enable()
      let elu = performance.eventLoopUtilization()
      timer = setInterval(
        guarded(app.log, 'load governor', () => {
          const now = performance.eventLoopUtilization()
          const utilization = performance.eventLoopUtilization(now, elu).utilization
          elu = now
          const delayP99Ms = delay.percentile(99) / 1e6
          delay.reset()
          const was = governor.shedding
          governor.observe({ utilization, delayP99Ms })
          if (governor.shedding !== was) app.log.warn({ budgetMs: governor.budgetMs, utilization, delayP99Ms }, governor.shedding ? 'shedding load: the world slows down' : 'load back to normal')
          report(app, governor)
        }),
        SAMPLE_MS,
      )
      timer.unref()
    })
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer)
      delay.disable()
    })
  },
  { name: 'load', dependencies: ['streams'] },
)

function report(app: import('fastify').FastifyInstance, governor: Governor): void {
  const reason = governor.overload(app.simulation.clockState().speed, app.simulation.effectiveSpeed())
  if (reason) app.health.degrade('OVERLOADED', reason)
  else app.health.recover('OVERLOADED')
}
