/**
 * Boots the service: read the environment, build the app, listen, then build the world (so
 * health checks see 503 rather than a refused connection while history is generated), and
 * shut down gracefully (close-with-grace) on SIGTERM/SIGINT.
 */
import type { AddressInfo } from 'node:net'
import v8 from 'node:v8'
import closeWithGrace from 'close-with-grace'
import { DEFAULT_HISTORY_DAYS, EnvError, readEnv } from './env.js'
import { precomputeExpectation } from './expectation-worker.js'
import { IN_MEMORY, Journal, JournalPathError } from './journal/journal.js'
import { defaultStart } from './journal/open.js'
import { stateDirProblem } from './journal/writable.js'
import { DEFAULT_CONFIG_DIR } from './paths.js'
import { publicUrls, readyMessage } from './urls.js'

const SHUTDOWN_GRACE_MS = 10_000

/**
 * V8 lets the old generation grow to several times what is live between full collections. At
 * 600× the world allocates short-lived events by the hundred megabytes a second, so a heap with
 * ~100 MB live grew to 300-370 MB (RSS 600-870 MB). Growing it by a fifth at a time keeps it
 * near what is live, for more frequent (incremental, mostly concurrent) collections.
 */
const HEAP_GROWING_PERCENT = 20

async function main(): Promise<void> {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  const env = readEnv()
  // The live start is fixed before anything else (the wall clock is read in the shell), so the
  // expectation thread started next computes for the same world the app will build.
  // A journal of an earlier run names its own start when none is asked for: compute for that one.
  const persistent = env.app.stateDir && env.app.stateDir !== IN_MEMORY ? env.app.stateDir : undefined
  // First: a volume this user cannot write is said plainly, before anything reads it.
  const problem = persistent && stateDirProblem(persistent)
  if (problem) throw new JournalPathError(problem)
  const journalled = persistent ? new Journal(persistent).peekWorld() : undefined
  const asked = env.app.simulation
  const wallStart = defaultStart(Date.now())
  const sim = { startMs: asked?.startMs ?? journalled?.startMs ?? wallStart, historyDays: asked?.historyDays ?? journalled?.historyDays ?? DEFAULT_HISTORY_DAYS }
  const expectation = precomputeExpectation({ configDir: env.app.configDir ?? DEFAULT_CONFIG_DIR, ...sim })
  // Loaded after the worker has started: Fastify takes this thread a few hundred milliseconds.
  const { buildApp } = await import('./app.js')
  // The start stays "unset" for the app: a journal of an earlier run may name its own.
  const app = await buildApp({ ...env.app, simulation: { ...env.app.simulation, defaultStartMs: wallStart, expectation }, autoStart: false })

  // SIGTERM, SIGINT and the other stop signals, or an error nothing caught: finish the requests
  // in flight, close the journal and the sockets, exit 0 (1 after an error or past the grace).
  closeWithGrace(
    {
      delay: SHUTDOWN_GRACE_MS,
      logger: { error: (e: unknown) => (typeof e === 'string' ? app.log.error(e) : app.log.error({ err: e }, 'error while closing')) },
      onTimeout: () => app.log.error('graceful shutdown timed out; exiting'),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an uncaught error')
      else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
      await app.close()
      app.log.info('closed')
    },
  )

  // Listening is not ready: health answers 503 NOT_READY until the world is built.
  await app.listen({ port: env.port, host: env.host, listenTextResolver: (address) => `listening on ${address}; not ready yet: building the world` })
  await app.streams.start()
  const urls = publicUrls(app.server.address() as AddressInfo, env.publicDomain)
  app.log.info(urls, readyMessage(urls))
}

main().catch(async (err: unknown) => {
  const { ConfigError } = await import('./config/load.js')
  if (err instanceof ConfigError || err instanceof EnvError || err instanceof JournalPathError) {
    process.stderr.write(`Cannot start: ${err.message}\n`)
  } else {
    process.stderr.write(`Cannot start: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
