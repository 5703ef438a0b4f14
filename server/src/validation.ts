/**
 * Request validation. Query strings and params arrive as text, so they are coerced to the
 * schema's types; bodies are JSON and are never coerced, so `{ "scenarioId": 42 }` is an
 * error rather than the scenario "42". WebSocket messages are JSON too: they are checked by
 * the same validator as bodies (`compileJsonSchema`).
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { Static, TSchema } from '@sinclair/typebox'
import type { FastifySchemaCompiler } from 'fastify'

const JSON_DOCUMENT: Options = { coerceTypes: false }

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, useDefaults: true, removeAdditional: false, ...options })
  addFormats.default(ajv)
  return ajv
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = makeAjv({ coerceTypes: 'array' })
  const strict = makeAjv(JSON_DOCUMENT)
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}

let jsonAjv: Ajv | undefined

/** A JSON document's validator, checked as a request body is (no coercion, first fault reported). */
export function compileJsonSchema<T extends TSchema>(schema: T): ValidateFunction<Static<T>> {
  jsonAjv ??= makeAjv(JSON_DOCUMENT)
  return jsonAjv.compile<Static<T>>(schema)
}
