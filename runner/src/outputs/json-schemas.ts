import { z } from 'zod';
import { outputSchemas } from './schemas.ts';

/** JSON Schemas (draft 2020-12) of every output file, generated from the zod schemas. */
export function outputJsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(outputSchemas)) {
    out[name] = { $id: `https://swarmlab.io/schemas/${name}.schema.json`, ...z.toJSONSchema(schema, { io: 'output' }) };
  }
  return out;
}
