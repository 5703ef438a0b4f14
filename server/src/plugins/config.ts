import fp from 'fastify-plugin'
import { loadConfig, type WorldConfig } from '../config/load.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated contents of config/. */
    world: WorldConfig
    /** Where they were read from (benchmark suites live beside them). */
    configDir: string
  }
}

/** Loads and validates config/ once; an invalid file fails the boot with a ConfigError. */
export default fp<{ configDir: string }>(
  async (app, opts) => {
    app.decorate('world', loadConfig(opts.configDir))
    app.decorate('configDir', opts.configDir)
  },
  { name: 'config' },
)
