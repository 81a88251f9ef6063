import { z } from 'zod';
import type { ModuleRegistry } from '../modules/registry.ts';
import { outputSchemas } from './schemas.ts';
import { experimentJsonSchema } from '../spec/json-schema.ts';
import { exportRecordSchemas } from './export-record-schemas.ts';

/**
 * JSON Schemas (draft 2020-12) of every output file, generated from the zod
 * schemas: the runner's own files, and each module's extra JSON files
 * (named `<module>.<file without .json>`), and the lines of `swarmlab export`'s
 * record formats (named by format).
 */
export function outputJsonSchemas(registry: ModuleRegistry): Record<string, unknown> {
  const all: [string, z.ZodType][] = Object.entries(outputSchemas);
  for (const def of registry.list()) {
    for (const [file, schema] of Object.entries(def.outputs ?? {})) all.push([`${def.name}.${file.replace(/\.json$/, '')}`, schema]);
  }
  all.push(...Object.entries(exportRecordSchemas));
  const out: Record<string, unknown> = {};
  for (const [name, schema] of all) {
    out[name] = { $id: `https://swarmlab.io/schemas/${name}.schema.json`, ...z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) };
  }
  return out;
}

/** Every schema `swarmlab schema` knows: the Experiment file, then the output files. */
export function knownJsonSchemas(registry: ModuleRegistry): Record<string, unknown> {
  return { experiment: experimentJsonSchema(), ...outputJsonSchemas(registry) };
}
