import { z } from 'zod';
import { Experiment } from './experiment.ts';

export const EXPERIMENT_SCHEMA_ID = 'https://swarmlab.io/schemas/experiment.schema.json';

/**
 * The Experiment file's JSON Schema (draft-07) for editors
 * (yaml-language-server): generated from the zod schemas the runner checks a
 * file with and the CRD is generated from. It describes the file as written,
 * so fields with defaults are optional; unknown keys are refused as the
 * runner refuses them.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Experiment, {
    // draft-07 is the draft every yaml-language-server release reads.
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    // The CRD generator's structural substitutes mean nothing to an editor.
    override: (ctx) => {
      delete (ctx.jsonSchema as Record<string, unknown>)['x-swarmlab-crd'];
    },
  });
  return { $id: EXPERIMENT_SCHEMA_ID, ...schema };
}
