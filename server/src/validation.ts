/**
 * Request validation. Query strings and params arrive as text, so they are coerced to the
 * schema's types; bodies are JSON and are never coerced, so `{ "scenarioId": 42 }` is an
 * error rather than the scenario "42".
 */
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, useDefaults: true, removeAdditional: false, ...options })
  addFormats.default(ajv)
  return ajv
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = makeAjv({ coerceTypes: 'array' })
  const strict = makeAjv({ coerceTypes: false })
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
