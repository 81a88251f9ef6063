import { z } from 'zod';
import type { ModuleRegistry, RegisteredModule } from '../modules/registry.ts';
import { SwarmlabError } from '../errors.ts';
import { closestKey } from '../spec/strict-object.ts';

// What `swarmlab modules` and docs/modules.md say about a module, derived
// from its definition: the config schema, the event contracts and what it
// declares it publishes. One description, three renderings (text, JSON, docs).

export interface FieldDescription {
  /** Dotted path in the module's config. */
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  /** JSON of the default; absent when there is none. */
  readonly default?: string;
  /** Bounds and allowed values, e.g. `> 0`, `0..1`, `one of a, b`. */
  readonly range?: string;
  readonly description: string;
}

export interface EventDescription {
  readonly type: string;
  readonly description: string;
  /** Emitted events: `self`, or the config field naming the receiving instance. */
  readonly to?: string;
  readonly payload: readonly FieldDescription[];
}

export interface ModuleDescription {
  readonly kind: string;
  readonly name: string;
  readonly version: string;
  readonly package: string;
  readonly packageVersion: string;
  /** sha256 of the package's code, as runs record it. */
  readonly codeDigest: string;
  readonly description: string;
  readonly config: readonly FieldDescription[];
  readonly handles: readonly EventDescription[];
  readonly emits: readonly EventDescription[];
  readonly metrics: readonly { readonly key: string; readonly description: string }[];
  readonly files: readonly { readonly name: string; readonly description: string }[];
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  additionalProperties?: JsonSchema | boolean;
};

function typeOf(s: JsonSchema): string {
  if (s.enum) return 'enum';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (t === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  return t ?? 'any';
}

function rangeOf(schema: JsonSchema): string | undefined {
  // z.int() bounds every integer by the safe range: no bound a reader needs to see.
  const s = { ...schema };
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.enum) return `one of ${s.enum.map((v) => String(v)).join(', ')}`;
  const lo = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `>= ${s.minimum}` : undefined;
  const hi = s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined ? `<= ${s.maximum}` : undefined;
  if (s.minimum !== undefined && s.maximum !== undefined) return `${s.minimum}..${s.maximum}`;
  const parts = [lo, hi].filter((p): p is string => p !== undefined);
  if (s.minItems !== undefined || s.maxItems !== undefined) parts.push(`${s.minItems ?? 0}..${s.maxItems ?? '∞'} items`);
  if (s.minLength !== undefined && s.minLength > 1) parts.push(`length >= ${s.minLength}`);
  if (s.items?.enum) parts.push(`items one of ${s.items.enum.map(String).join(', ')}`);
  return parts.length ? parts.join(', ') : undefined;
}

/** Every field of an object schema, nested objects flattened to dotted paths. */
export function fieldsOf(schema: z.ZodType): FieldDescription[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: FieldDescription[] = [];
  const walk = (s: JsonSchema, prefix: string): void => {
    const required = new Set(s.required ?? []);
    for (const [key, field] of Object.entries(s.properties ?? {})) {
      const path = `${prefix}${key}`;
      const range = rangeOf(field);
      out.push({
        path,
        type: typeOf(field),
        required: required.has(key) && field.default === undefined,
        ...(field.default !== undefined ? { default: JSON.stringify(field.default) } : {}),
        ...(range ? { range } : {}),
        description: field.description ?? '',
      });
      if (field.properties) walk(field, `${path}.`);
    }
  };
  walk(root, '');
  return out;
}

export function describeModule(m: RegisteredModule): ModuleDescription {
  const { def, source } = m;
  return {
    kind: def.kind,
    name: def.name,
    version: def.version,
    package: source.package,
    packageVersion: source.version,
    codeDigest: source.digest,
    description: def.description,
    config: fieldsOf(def.config),
    handles: (def.events?.handles ?? []).map((e) => ({ type: e.type, description: e.description, payload: fieldsOf(e.payload) })),
    emits: (def.events?.emits ?? []).map(({ event, to }) => ({ type: event.type, description: event.description, to, payload: fieldsOf(event.payload) })),
    metrics: Object.entries(def.publishes?.metrics ?? {}).map(([key, description]) => ({ key, description })),
    files: [
      ...Object.entries(def.publishes?.files ?? {}).map(([name, description]) => ({ name, description })),
      ...Object.keys(def.outputs ?? {})
        .filter((name) => !(name in (def.publishes?.files ?? {})))
        .map((name) => ({ name, description: `JSON, schema \`swarmlab schema ${def.name}.${name.replace(/\.json$/, '')}\`` })),
    ],
  };
}

/** The module `query` names (`name` or `kind/name`); an unknown one is UNKNOWN_MODULE with the closest names. */
export function findModule(registry: ModuleRegistry, query: string): RegisteredModule {
  const all = registry.modules();
  const [kind, name] = query.includes('/') ? (query.split('/', 2) as [string, string]) : [undefined, query];
  const found = all.filter((m) => m.def.name === name && (kind === undefined || m.def.kind === kind));
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new SwarmlabError('USAGE', `${query} names ${found.length} modules: ${found.map((m) => `${m.def.kind}/${m.def.name}`).join(', ')}`, { hint: 'give kind/name' });
  const names = all.map((m) => m.def.name);
  const guess = closestKey(name, names) ?? names.find((n) => n.includes(name) || name.includes(n));
  throw new SwarmlabError('UNKNOWN_MODULE', `no module ${query}`, { hint: guess ? `did you mean ${guess}? (swarmlab modules lists them all)` : 'swarmlab modules lists them all' });
}
