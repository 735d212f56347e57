/**
 * A small JSON Schema check for the submit form: the keywords the job kinds' schemas use
 * (type, required, properties, additionalProperties, items, minItems, minLength,
 * maxLength, pattern, enum). The server checks again; this only saves a round trip.
 */
export interface SchemaProblem {
  path: Array<string | number>;
  message: string;
}

type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}

export function checkSchema(schema: Schema, value: unknown, path: Array<string | number> = [], out: SchemaProblem[] = []): SchemaProblem[] {
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) {
    out.push({ path, message: `must be ${type}, not ${actual}` });
    return out;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push({ path, message: `must be one of ${schema.enum.join(', ')}` });
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) out.push({ path, message: `must have at least ${schema.minLength} characters` });
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) out.push({ path, message: `must have at most ${schema.maxLength} characters` });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) out.push({ path, message: `must match ${schema.pattern}` });
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push({ path, message: `must have at least ${schema.minItems} items` });
    if (schema.items && typeof schema.items === 'object') value.forEach((v, i) => checkSchema(schema.items as Schema, v, [...path, i], out));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in obj)) out.push({ path: [...path, name], message: 'is required' });
    for (const [name, v] of Object.entries(obj)) {
      if (props[name]) checkSchema(props[name]!, v, [...path, name], out);
      else if (schema.additionalProperties === false) out.push({ path: [...path, name], message: 'is not allowed' });
    }
  }
  return out;
}
