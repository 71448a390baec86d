/**
 * An OpenAI `json_schema` (or a tool's `parameters`) -> the JSON-schema
 * subset node-llama-cpp turns into a grammar (GbnfJsonSchema).
 *
 * node-llama-cpp's grammar understands: type (one or several), const, enum,
 * oneOf, string minLength/maxLength and format date/time/date-time, object
 * properties/required/additionalProperties/min-maxProperties, array
 * items/prefixItems/min-maxItems, and $defs with `#/$defs/...` references.
 * Annotations that do not constrain the output (title, description, default,
 * examples, $schema, $id, $comment) are dropped; `anyOf` generates the same
 * text as `oneOf`; `definitions` is the older spelling of `$defs`. Anything
 * else would be silently unenforced, so it is refused with a 400 that names
 * the keyword and where it is.
 */
import { invalidRequest } from './api-errors.js';

export type JsonSchema = { readonly [key: string]: unknown };

const ANNOTATIONS = new Set(['title', 'default', 'examples', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
const KEPT = new Set([
  'type',
  'description',
  'const',
  'enum',
  'oneOf',
  'minLength',
  'maxLength',
  'format',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  '$defs',
  '$ref',
]);
const FORMATS = new Set(['date', 'time', 'date-time']);
/** Any JSON value, spelled in the subset the grammar understands. */
const ANY_VALUE: JsonSchema = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }],
};
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** Thrown for a schema the grammar cannot enforce; `path` says where (e.g. `properties.age.minimum`). */
export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
  constructor(
    readonly keyword: string,
    readonly path: string,
  ) {
    super(`the JSON-schema keyword '${keyword}' (at ${path || 'the root'}) cannot be enforced by the embedded runtime's grammar`);
  }
}

/**
 * Convert `schema` or throw UnsupportedSchemaError. `strict` (OpenAI's
 * structured outputs) makes every object closed unless it says otherwise,
 * which is what OpenAI requires of strict schemas anyway.
 */
export function toGrammarSchema(schema: unknown, options: { strict?: boolean } = {}): JsonSchema {
  if (!isObject(schema)) throw new UnsupportedSchemaError('(not an object)', '');
  return convert(schema, '', options.strict === true) as JsonSchema;
}

/** The same conversion, reported as the worker's 400 for `param`. */
export function grammarSchemaOrBadRequest(schema: unknown, param: string, options: { strict?: boolean } = {}): JsonSchema {
  try {
    return toGrammarSchema(schema, options);
  } catch (error) {
    if (error instanceof UnsupportedSchemaError) {
      throw invalidRequest(`Invalid value for '${param}': ${error.message}. Remove it or use a runtime that supports it.`, param);
    }
    throw error;
  }
}

function convert(node: unknown, path: string, strict: boolean): unknown {
  if (node === true || (isObject(node) && Object.keys(node).every((key) => ANNOTATIONS.has(key) || key === 'description'))) {
    // `true` and `{}` accept any JSON value.
    return ANY_VALUE;
  }
  if (!isObject(node)) throw new UnsupportedSchemaError(typeof node === 'boolean' ? 'false' : '(not a schema)', path);

  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = join(path, key);
    if (ANNOTATIONS.has(key)) continue;
    if (key === 'anyOf' || key === 'oneOf') {
      out.oneOf = arrayOf(value, at).map((item, index) => convert(item, `${at}[${index}]`, strict));
      continue;
    }
    if (key === 'definitions' || key === '$defs') {
      out.$defs = mapValues(value, at, (item, name) => convert(item, join(at, name), strict));
      continue;
    }
    if (!KEPT.has(key)) throw new UnsupportedSchemaError(key, at);
    switch (key) {
      case 'type': {
        const types = Array.isArray(value) ? value : [value];
        for (const type of types) if (typeof type !== 'string' || !TYPES.has(type)) throw new UnsupportedSchemaError(`type: ${JSON.stringify(type)}`, at);
        out.type = value;
        break;
      }
      case 'format':
        if (typeof value !== 'string' || !FORMATS.has(value)) throw new UnsupportedSchemaError(`format: ${JSON.stringify(value)}`, at);
        out.format = value;
        break;
      case '$ref':
        if (typeof value !== 'string' || !/^#\/(\$defs|definitions)\/[^/]+$/.test(value)) throw new UnsupportedSchemaError(`$ref: ${JSON.stringify(value)}`, at);
        out.$ref = value.replace('#/definitions/', '#/$defs/');
        break;
      case 'properties':
        out.properties = mapValues(value, at, (item, name) => convert(item, join(at, name), strict));
        break;
      case 'items':
        out.items = convert(value, at, strict);
        break;
      case 'prefixItems':
        out.prefixItems = arrayOf(value, at).map((item, index) => convert(item, `${at}[${index}]`, strict));
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : convert(value, at, strict);
        break;
      default:
        out[key] = value;
    }
  }
  const isObjectType = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'));
  if (isObjectType && strict && out.additionalProperties === undefined) out.additionalProperties = false;
  if (isObjectType && out.properties === undefined && out.additionalProperties === undefined) out.additionalProperties = true;
  return out;
}

function arrayOf(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new UnsupportedSchemaError('(expected an array)', path);
  return value;
}

function mapValues(value: unknown, path: string, map: (item: unknown, key: string) => unknown): Record<string, unknown> {
  if (!isObject(value)) throw new UnsupportedSchemaError('(expected an object)', path);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, map(item, key)]));
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
