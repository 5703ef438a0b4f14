/**
 * The one place environment variables are read, checked by env-schema against one schema.
 * Every value has a default that works with no setup; a malformed value stops the boot with a
 * message naming the variable and what it expects.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Ajv } from 'ajv'
import envSchema from 'env-schema'
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

// Each variable's schema says what it expects in words (`expected`), for the boot message.
const int = (minimum: number, maximum: number) => Type.Optional(Type.Integer({ minimum, maximum, expected: `an integer from ${minimum} to ${maximum}` }))
const num = (minimum: number, maximum: number) => Type.Optional(Type.Number({ minimum, maximum, expected: `a number from ${minimum} to ${maximum}` }))
const text = (defaultValue?: string) => Type.Optional(Type.String(defaultValue === undefined ? {} : { default: defaultValue }))

/**
 * Every variable, in the order they are checked (the first malformed one stops the boot).
 * Unset variables with no default stay undefined: buildApp owns those defaults.
 */
const EnvSchema = Type.Object({
  LOG_LEVEL: Type.Unsafe<string>({ type: 'string', enum: LOG_LEVELS, default: 'info', expected: `one of ${LOG_LEVELS.join(', ')}` }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, expected: 'an integer from 0 to 65535' }),
  HOST: text('0.0.0.0'),
  RAILWAY_PUBLIC_DOMAIN: text(),
  CONFIG_DIR: text(),
  /**
   * Behind a reverse proxy (Railway, a load balancer) every request comes from the proxy's
   * address, so the per-client rate limit would be one shared bucket. `true` or a hop count
   * takes the client from X-Forwarded-For; off by default, where that header is forgeable.
   */
  TRUST_PROXY: Type.Unsafe<boolean | number>({ type: ['boolean', 'integer'], minimum: 1, maximum: 10, default: false, expected: 'true, false or a number of proxy hops from 1 to 10' }),
  // The journal of control actions: a restart (crash, redeploy) replays it.
  STATE_DIR: text('./data'),
  CORS_ORIGINS: text('*'),
  ADMIN_TOKEN: text(),
  CONTROL_RATE_LIMIT: int(1, 100_000),
  WS_PING_INTERVAL_MS: int(100, 3_600_000),
  WS_PONG_TIMEOUT_MS: int(100, 3_600_000),
  WS_MAX_BUFFER_BYTES: int(1024, 1024 * 1024 * 1024),
  WS_CATCHUPS_PER_MINUTE: int(1, 100_000),
  WS_CATCHUPS_PER_IP_PER_MINUTE: int(1, 100_000),
  SIM_SEED: int(0, 2 ** 32 - 1),
  SIM_START: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', expected: 'an ISO-8601 time such as 2025-03-10T09:00:00Z' })),
  SIM_HISTORY_DAYS: int(1, 90),
  SIM_SPEED: num(0, 3600),
})
type Env = Static<typeof EnvSchema>

/** env-schema's validator, told that `expected` is a word for people, not a rule. */
const withExpected = { customOptions: (ajv: Ajv) => ajv.addKeyword('expected') }

/** The variables checked against EnvSchema; a malformed one is an EnvError naming it and what it expects. */
function parse(env: NodeJS.ProcessEnv): Env {
  // An empty variable is an unset one, except ADMIN_TOKEN (an empty secret is a mistake).
  const data = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && (v !== '' || k === 'ADMIN_TOKEN')))
  try {
    return envSchema<Env>({ schema: structuredClone(EnvSchema), data, env: false, ajv: withExpected })
  } catch (e) {
    const first = (e as { errors?: Array<{ instancePath: string; parentSchema?: { expected?: string } }> }).errors?.[0]
    const name = first?.instancePath.slice(1)
    const expected = name && (EnvSchema.properties as Record<string, { expected?: string }>)[name]?.expected
    if (!expected) throw e
    throw new EnvError(`${name}=${env[name]}: expected ${expected}`)
  }
}

/** SIM_START as epoch ms: the schema checks its shape, the calendar its date. */
function isoTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const t = Date.parse(raw)
  if (Number.isNaN(t)) throw new EnvError(`SIM_START=${raw}: expected ${EnvSchema.properties.SIM_START.expected}`)
  return t
}

/** ADMIN_TOKEN: unset means open controls (the demo default); set, it must be a usable secret. */
function adminToken(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  // Never echo the value: it is a secret, and the message lands in logs.
  if (raw === '') throw new EnvError('ADMIN_TOKEN is set but empty: unset it to leave the controls open, or give a token of at least 16 characters')
  const problem = adminTokenProblem(raw)
  if (problem) throw new EnvError(`ADMIN_TOKEN ${problem}`)
  return raw
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const e = parse(env)
  const origins = e.CORS_ORIGINS!.trim()
  return {
    port: e.PORT,
    host: e.HOST!,
    logLevel: e.LOG_LEVEL,
    publicDomain: e.RAILWAY_PUBLIC_DOMAIN,
    app: {
      configDir: e.CONFIG_DIR,
      trustProxy: e.TRUST_PROXY,
      stateDir: e.STATE_DIR,
      corsOrigins: origins === '' || origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
      logger: { level: e.LOG_LEVEL },
      controls: {
        adminToken: adminToken(e.ADMIN_TOKEN),
        rateLimitPerMinute: e.CONTROL_RATE_LIMIT,
      },
      websocket: {
        pingIntervalMs: e.WS_PING_INTERVAL_MS,
        pongTimeoutMs: e.WS_PONG_TIMEOUT_MS,
        maxBufferBytes: e.WS_MAX_BUFFER_BYTES,
        catchupsPerMinute: e.WS_CATCHUPS_PER_MINUTE,
        catchupsPerIpPerMinute: e.WS_CATCHUPS_PER_IP_PER_MINUTE,
      },
      simulation: {
        seed: e.SIM_SEED,
        startMs: isoTime(e.SIM_START),
        historyDays: e.SIM_HISTORY_DAYS,
        speed: e.SIM_SPEED,
      },
    },
  }
}
