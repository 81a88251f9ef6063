import { z } from 'zod';

// Turns zod's JSON Schema into a Kubernetes structural schema, or says
// exactly which node cannot be one. Rules from the apiextensions docs: every
// node has a type (unless it preserves unknown fields or is int-or-string),
// no anyOf/oneOf/allOf/not with types, no $ref, no additionalProperties beside
// properties, and patterns Go's RE2 can compile (no lookaround, no backrefs).

export type SchemaNode = { [key: string]: unknown };

export const CRD_OVERRIDE_KEY = 'x-swarmlab-crd';

export class StructuralSchemaError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`schema is not structural:\n  ${problems.join('\n  ')}`);
    this.name = 'StructuralSchemaError';
    this.problems = problems;
  }
}

// Keys the CRD schema may carry. zod's extra keys ($schema, id, ...) are dropped;
// anything else unexpected is a problem to look at, not to pass through silently.
const ALLOWED = new Set([
  'type',
  'format',
  'title',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const DROPPED = new Set(['$schema', 'id', '$id', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated']);
const FORBIDDEN = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', '$defs', 'definitions', 'const', 'propertyNames', 'patternProperties', 'dependencies', 'if', 'then', 'else'];

/** RE2 (Go regexp) has no lookaround and no backreferences. */
export function re2Problem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround';
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pattern)) return 'backreference';
  if (/\(\?<[A-Za-z]/.test(pattern)) return 'named group in JS syntax ((?<name>), RE2 needs (?P<name>))';
  return undefined;
}

export interface StructuralOptions {
  /**
   * Require maxItems on arrays, maxLength (or enum/format) on strings and
   * maxProperties on maps, so CEL cost estimates stay bounded.
   */
  requireBounds?: boolean;
}

/**
 * Returns a structural copy of `schema`: `x-swarmlab-crd` nodes substituted
 * (their description kept when the override has none), `default` and zod's
 * bookkeeping keys dropped, `additionalProperties: false` beside `properties`
 * removed (pruning has the same effect). Throws StructuralSchemaError listing
 * every remaining problem with its path.
 *
 * Defaults are dropped on purpose: zod applies them when the operator and the
 * runner parse the object, and leaving them out of the stored object lets the
 * operator tell "store not set" (use its own default) from an explicit one.
 */
export function toStructural(schema: SchemaNode, opts: StructuralOptions = {}): SchemaNode {
  const problems: string[] = [];
  const out = visit(schema, '', problems, opts);
  if (problems.length > 0) throw new StructuralSchemaError(problems);
  return out;
}

function visit(input: SchemaNode, path: string, problems: string[], opts: StructuralOptions): SchemaNode {
  let node = input;
  const override = node[CRD_OVERRIDE_KEY];
  if (override !== undefined) {
    if (!isNode(override)) {
      problems.push(`${path || '/'}: ${CRD_OVERRIDE_KEY} must be an object`);
      return {};
    }
    node = { ...override };
    if (node['description'] === undefined && typeof input['description'] === 'string') node['description'] = input['description'];
  }
  const at = path || '/';
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (FORBIDDEN.includes(key)) {
      problems.push(`${at}: ${key} is not allowed in a structural schema`);
      continue;
    }
    if (!ALLOWED.has(key)) {
      problems.push(`${at}: unknown schema key ${key}`);
      continue;
    }
    out[key] = value;
  }

  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = out['x-kubernetes-int-or-string'] === true;
  const type = out['type'];
  if (type === undefined && !preserve && !intOrString) problems.push(`${at}: no type`);
  if (type !== undefined && !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(String(type))) {
    problems.push(`${at}: type ${JSON.stringify(type)} is not one of object, array, string, integer, number, boolean`);
  }

  const pattern = out['pattern'];
  if (typeof pattern === 'string') {
    const why = re2Problem(pattern);
    if (why !== undefined) problems.push(`${at}: pattern uses ${why}, which Go's regexp cannot compile: ${pattern}`);
  }

  const props = out['properties'];
  if (props !== undefined) {
    if (!isNode(props)) problems.push(`${at}: properties must be an object`);
    else {
      const next: SchemaNode = {};
      for (const [name, child] of Object.entries(props)) {
        if (!isNode(child)) {
          problems.push(`${at}/properties/${name}: not a schema`);
          continue;
        }
        next[name] = visit(child, `${path}/properties/${name}`, problems, opts);
      }
      out['properties'] = next;
    }
    if (out['additionalProperties'] === false) delete out['additionalProperties'];
    else if (out['additionalProperties'] !== undefined) problems.push(`${at}: additionalProperties beside properties`);
  }
  const addl = out['additionalProperties'];
  if (isNode(addl)) {
    if (Object.keys(addl).length === 0) {
      // zod's z.record(z.string(), z.unknown()): any value. Structural form is preserve-unknown-fields.
      delete out['additionalProperties'];
      out['x-kubernetes-preserve-unknown-fields'] = true;
    } else {
      out['additionalProperties'] = visit(addl, `${path}/additionalProperties`, problems, opts);
      if (opts.requireBounds === true && out['maxProperties'] === undefined) problems.push(`${at}: map without maxProperties`);
    }
  } else if (addl === true) {
    delete out['additionalProperties'];
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }

  const items = out['items'];
  if (items !== undefined) {
    if (!isNode(items)) problems.push(`${at}: items must be a single schema (tuples are not structural)`);
    else out['items'] = visit(items, `${path}/items`, problems, opts);
  }
  if (type === 'array' && items === undefined) problems.push(`${at}: array without items`);

  if (opts.requireBounds === true) {
    if (type === 'array' && out['maxItems'] === undefined) problems.push(`${at}: array without maxItems`);
    if (type === 'string' && out['maxLength'] === undefined && out['enum'] === undefined && out['format'] === undefined) {
      problems.push(`${at}: string without maxLength`);
    }
  }
  return out;
}

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** zod → JSON Schema the way the CRD needs it: OpenAPI 3.0 dialect, input shape (before defaults). */
export function zodToOpenApi(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }) as SchemaNode;
}
