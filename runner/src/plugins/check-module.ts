import semver from 'semver';
import { z } from 'zod';
import { SwarmlabError } from '../errors.ts';
import { ModuleKind } from '../sdk/kinds.ts';
import type { ModuleDefinition } from '../sdk/module.ts';
import { identifier } from '../spec/experiment.ts';

// The contract a loaded module must meet before the runner registers it. The
// built-in modules meet it too (a unit test checks), so the catalogue and the
// docs can describe every module the same way.

const OPTIONAL_HOOKS = ['dependsOn', 'validate', 'nodes', 'edge', 'inputs', 'verify'] as const;

/** The schema inside default/optional/nullable/prefault wrappers (what a field holds). */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else return s;
  }
}

/** Config fields (dotted paths) with no description, nested objects included. */
export function undescribedFields(schema: z.ZodObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const path = `${prefix}${key}`;
    if (!field.description) out.push(path);
    const inner = unwrap(field);
    if (inner instanceof z.ZodObject) out.push(...undescribedFields(inner, `${path}.`));
  }
  return out;
}

/** Checks that `value` is a module definition a runner can register; `origin` names the package in the error. */
export function checkModuleDefinition(value: unknown, origin: string): ModuleDefinition {
  const fail = (what: string, hint?: string): never => {
    throw new SwarmlabError('INVALID_MODULE', `package ${origin}: ${what}`, hint ? { hint } : {});
  };
  if (value === null || typeof value !== 'object') return fail(`exports ${value === null ? 'null' : typeof value}, not a module definition`, "export default defineModule({ ... }) from 'swarmlab/sdk', or a list of them");
  const d = value as Record<string, unknown>;
  const name = typeof d.name === 'string' ? d.name : undefined;
  const label = name ? `module ${name}` : 'a module';
  if (!ModuleKind.safeParse(d.kind).success) fail(`${label} has kind ${JSON.stringify(d.kind)}; kind must be one of ${ModuleKind.options.join(', ')}`);
  const n = identifier.safeParse(d.name);
  if (!n.success) fail(`${label} has name ${JSON.stringify(d.name)}, which ${n.error.issues[0]!.message}`);
  if (typeof d.version !== 'string' || semver.valid(d.version) === null) fail(`module ${name} has version ${JSON.stringify(d.version)}, which is not a semver version (e.g. 1.0.0)`);
  if (typeof d.description !== 'string' || d.description.trim() === '') fail(`module ${name} has no description`, 'a one-line description, shown by `swarmlab modules`');
  if (!(d.config instanceof z.ZodObject)) {
    fail(`module ${name}: config is not a zod object schema`, "build it with z.object({ ... }) using the z exported by 'swarmlab/sdk' (another copy of zod is not recognised)");
  }
  const missing = undescribedFields(d.config as z.ZodObject);
  if (missing.length > 0) fail(`module ${name}: config field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no description`, 'add .describe(...) to every config field: the catalogue and docs show it');
  if (typeof d.create !== 'function') fail(`module ${name} has no create(config, ctx) function`);
  for (const hook of OPTIONAL_HOOKS) if (d[hook] !== undefined && typeof d[hook] !== 'function') fail(`module ${name}: ${hook} must be a function`);
  if (d.panelOutputs !== undefined) {
    const outputs = Object.keys((d.outputs ?? {}) as object);
    const listed = Array.isArray(d.panelOutputs) ? (d.panelOutputs as unknown[]) : undefined;
    const unknown = listed?.find((f) => typeof f !== 'string' || !outputs.includes(f));
    if (listed === undefined || unknown !== undefined) {
      fail(`module ${name}: panelOutputs must list files of its outputs${listed === undefined ? '' : `; ${JSON.stringify(unknown)} is not one`}`, `its outputs: ${outputs.join(', ') || '(none)'}`);
    }
  }
  return value as ModuleDefinition;
}
