/**
 * The one place environment variables are read. Every value has a default that works with no
 * setup; a malformed value stops the boot with a message naming the variable.
 */
import type { AppOptions } from './app.js'
import { adminTokenProblem } from './controls/token.js'

export interface ServerEnv {
  port: number
  host: string
  logLevel: string
  /** RAILWAY_PUBLIC_DOMAIN: the public host the ready line names (Railway sets it). */
  publicDomain?: string
  app: AppOptions
}

/** Days of history when SIM_HISTORY_DAYS is unset. */
export const DEFAULT_HISTORY_DAYS = 30

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export class EnvError extends Error {}

function int<F extends number | undefined>(env: NodeJS.ProcessEnv, name: string, fallback: F, min: number, max: number): number | F {
  return bounded(env, name, fallback, min, max, true)
}

function isoTime(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const t = Date.parse(raw)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(t)) throw new EnvError(`${name}=${raw}: expected an ISO-8601 time such as 2025-03-10T09:00:00Z`)
  return t
}

function num<F extends number | undefined>(env: NodeJS.ProcessEnv, name: string, fallback: F, min: number, max: number): number | F {
  return bounded(env, name, fallback, min, max, false)
}

/** A number from [min, max] (an integer if asked), or the fallback when unset or empty. */
function bounded<F extends number | undefined>(
  env: NodeJS.ProcessEnv, name: string, fallback: F, min: number, max: number, integer: boolean,
): number | F {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  const ok = integer ? Number.isInteger(n) : Number.isFinite(n)
  if (!ok || n < min || n > max) throw new EnvError(`${name}=${raw}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`)
  return n
}

/** ADMIN_TOKEN: unset means open controls (the demo default); set, it must be a usable secret. */
function adminToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.ADMIN_TOKEN
  if (raw === undefined) return undefined
  // Never echo the value: it is a secret, and the message lands in logs.
  if (raw === '') throw new EnvError('ADMIN_TOKEN is set but empty: unset it to leave the controls open, or give a token of at least 16 characters')
  const problem = adminTokenProblem(raw)
  if (problem) throw new EnvError(`ADMIN_TOKEN ${problem}`)
  return raw
}

/**
 * TRUST_PROXY: behind a reverse proxy (Railway, a load balancer) every request comes from the
 * proxy's address, so the per-client rate limit would be one shared bucket. `true` or a hop
 * count takes the client from X-Forwarded-For; off by default, where that header is forgeable.
 */
function trustProxy(env: NodeJS.ProcessEnv): boolean | number {
  const raw = env.TRUST_PROXY
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new EnvError(`TRUST_PROXY=${raw}: expected true, false or a number of proxy hops from 1 to 10`)
  return n
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new EnvError(`LOG_LEVEL=${logLevel}: expected one of ${LOG_LEVELS.join(', ')}`)
  const origins = (env.CORS_ORIGINS ?? '*').trim()
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    logLevel,
    publicDomain: env.RAILWAY_PUBLIC_DOMAIN || undefined,
    app: {
      configDir: env.CONFIG_DIR || undefined,
      trustProxy: trustProxy(env),
      // The journal of control actions: a restart (crash, redeploy) replays it.
      stateDir: env.STATE_DIR || './data',
      corsOrigins: origins === '' || origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
      logger: { level: logLevel },
      controls: {
        adminToken: adminToken(env),
        rateLimitPerMinute: int(env, 'CONTROL_RATE_LIMIT', undefined, 1, 100_000),
      },
      websocket: {
        pingIntervalMs: int(env, 'WS_PING_INTERVAL_MS', undefined, 100, 3_600_000),
        pongTimeoutMs: int(env, 'WS_PONG_TIMEOUT_MS', undefined, 100, 3_600_000),
        maxBufferBytes: int(env, 'WS_MAX_BUFFER_BYTES', undefined, 1024, 1024 * 1024 * 1024),
        catchupsPerMinute: int(env, 'WS_CATCHUPS_PER_MINUTE', undefined, 1, 100_000),
        catchupsPerIpPerMinute: int(env, 'WS_CATCHUPS_PER_IP_PER_MINUTE', undefined, 1, 100_000),
      },
      // Unset variables stay undefined: buildApp owns the defaults.
      simulation: {
        seed: int(env, 'SIM_SEED', undefined, 0, 2 ** 32 - 1),
        startMs: isoTime(env, 'SIM_START'),
        historyDays: int(env, 'SIM_HISTORY_DAYS', undefined, 1, 90),
        speed: num(env, 'SIM_SPEED', undefined, 0, 3600),
      },
    },
  }
}
