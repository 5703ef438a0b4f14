import type { TSchema } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { ApiError } from '@marketsim/shared-types'
import { Errors } from '../errors.js'

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input (error envelope; nothing changed)',
  401: 'ADMIN_TOKEN is set and the Bearer token is missing or wrong (error envelope; WWW-Authenticate: Bearer)',
  403: 'Sent from another site\'s page without a CORS preflight, or from an origin not in CORS_ORIGINS (error envelope; nothing changed)',
  404: 'Not found (error envelope)',
  409: 'Conflict with the current state (error envelope)',
  415: 'A body that is not application/json (error envelope; nothing changed)',
  429: 'ADMIN_TOKEN is set and this client sent too many control requests this minute (error envelope; Retry-After in seconds); without ADMIN_TOKEN controls are not limited',
  500: 'Unexpected failure (error envelope)',
  503: 'NOT_READY: the simulation is not ready yet; JOURNAL_UNAVAILABLE (controls): the journal cannot be written, nothing changed (error envelope)',
}

/** Response schemas for the error codes a route can answer, each the contract's envelope. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((c) => [c, { ...ApiError, description: DESCRIPTIONS[c] ?? 'Error envelope' }]))
}

/** The name of the bearer scheme in the OpenAPI document (plugins/docs.ts declares it). */
export const BEARER = 'adminToken'

/** `security` of a state-changing route: the bearer scheme (needed only when ADMIN_TOKEN is set). */
export const CONTROL_SECURITY = [{ [BEARER]: [] }]

/** The error answers of a state-changing route: its own plus the guard's 401, 403, 415 and 429. */
export function controlErrors(...codes: number[]): Record<number, TSchema> {
  return errorResponses(...codes, 401, 403, 415, 429)
}

/**
 * preValidation of the controls that take no input (stop, reset): no body, an empty one or
 * `{}`. Anything else is a request the caller did not mean, so it is refused, not acted on.
 */
export async function noInput(req: FastifyRequest): Promise<void> {
  const b: unknown = req.body
  if (b === undefined || b === '') return
  // `null` is an object to typeof: it must be named before Object.keys sees it.
  const what = b === null ? 'null' : Array.isArray(b) ? 'an array' : typeof b === 'object' ? (Object.keys(b).length === 0 ? '' : 'an object with fields') : typeof b
  if (what === '') return
  throw Errors.invalidRequest('This control takes no input: send no body or {}', `got ${what}`)
}
