import type { TSchema } from '@sinclair/typebox'
import { ApiError } from '@marketsim/shared-types'

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input (error envelope; nothing changed)',
  401: 'Missing or wrong credentials',
  404: 'Not found (error envelope)',
  409: 'Conflict with the current state (error envelope)',
  429: 'Too many requests',
  500: 'Unexpected failure (error envelope)',
  503: 'The simulation is not ready yet (error envelope)',
}

/** Response schemas for the error codes a route can answer, each the contract's envelope. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((c) => [c, { ...ApiError, description: DESCRIPTIONS[c] ?? 'Error envelope' }]))
}
