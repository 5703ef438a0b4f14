// Types for server-process.mjs, so the TypeScript test harness can import it.
export declare const ROOT: string
export declare const SMALL_WORLD: Readonly<Record<'SIM_SEED' | 'SIM_START' | 'SIM_HISTORY_DAYS' | 'LOG_LEVEL', string>>
export declare function freePort(): Promise<number>
/** The Dockerfile's `ENV MALLOC_…` settings, to measure memory as deployed. */
export declare function deployedMallocEnv(): Record<string, string>

export interface ServerOptions {
  /** Added to (and overriding) SMALL_WORLD; PORT and HOST are always set by startServer. */
  env?: Record<string, string>
  /** Default: a free port. */
  port?: number
  /** How long to wait for GET /api/health to answer 200. Default 60 000. */
  readyTimeoutMs?: number
}

export interface ServerProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  /** The tail of what the process printed (64 KB). */
  output(): string
  /** SIGTERM by default (graceful); SIGKILL after 5 s. Does nothing once stopped. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** stop(signal), then a new process on the same port, resolved once healthy. */
  restart(signal?: NodeJS.Signals): Promise<void>
}

export declare function startServer(options?: ServerOptions): Promise<ServerProcess>
