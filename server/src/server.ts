/**
 * Boots the service: read the environment, build the app, listen, then build the world (so
 * health checks see 503 rather than a refused connection while history is generated), and
 * shut down gracefully on SIGTERM/SIGINT.
 */
import { buildApp } from './app.js'
import { ConfigError } from './config/load.js'
import { EnvError, readEnv } from './env.js'

const SHUTDOWN_GRACE_MS = 10_000

async function main(): Promise<void> {
  const env = readEnv()
  const app = await buildApp({ ...env.app, autoStart: false })

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    const force = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS)
    force.unref()
    app.close().then(
      () => {
        app.log.info('closed')
        process.exit(0)
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while closing')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))

  await app.listen({ port: env.port, host: env.host })
  await app.streams.start()
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EnvError) {
    process.stderr.write(`Cannot start: ${err.message}\n`)
  } else {
    process.stderr.write(`Cannot start: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
