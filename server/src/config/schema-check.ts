/**
 * Checks a parsed file against its TypeBox schema and turns the first failure into a precise
 * (path, problem) pair. For a union (a payload field domain, say) it reports the error of the
 * variant the value was evidently meant to be, not a bare "expected union value".
 */
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { pointerToPath } from './json-path.js'

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema)
  if (!c) {
    c = TypeCompiler.Compile(schema)
    compiled.set(schema, c)
  }
  return c
}

export interface SchemaProblem {
  path: string
  problem: string
}

function describe(error: ValueError): SchemaProblem {
  if (error.type === ValueErrorType.Union && error.errors.length > 0) {
    // Prefer the variant that agrees on the discriminating `type` literal, else the one with fewest errors.
    const variants = error.errors.map((iter) => [...iter])
    const discriminated = variants.find((errs) => errs.length > 0 && !errs.some((e) => e.path.endsWith('/type')))
    const best = discriminated ?? variants.filter((v) => v.length > 0).sort((a, b) => a.length - b.length)[0]
    if (best && best[0]) return describe(best[0])
  }
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return { path: pointerToPath(error.path), problem: 'unknown key (misspelt?)' }
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    return { path: pointerToPath(error.path), problem: 'required key is missing' }
  }
  const shown = error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)?.slice(0, 80)})`
  return { path: pointerToPath(error.path), problem: `${error.message.toLowerCase()}${shown}` }
}

/** The first schema problem of `value`, or undefined when it conforms. */
export function schemaProblem(schema: TSchema, value: unknown): SchemaProblem | undefined {
  const c = checker(schema)
  if (c.Check(value)) return undefined
  const first = c.Errors(value).First()
  return first ? describe(first) : { path: '$', problem: 'does not match its schema' }
}
