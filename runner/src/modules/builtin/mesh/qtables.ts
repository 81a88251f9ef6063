import { z } from 'swarmlab/sdk';
import { OBSERVATION_ENCODING, OBSERVATION_LEVELS } from './observation.ts';

/**
 * The Q-tables a learning router writes at the end of a run, and reads back
 * when a later run warm-starts from it. Versioned: a reader accepts the same
 * major version and the same observation encoding only.
 */

export const QTABLES_FORMAT = 'swarmlab.mesh-router.qtables';
export const QTABLES_VERSION = '1.0.0';
export const DEFAULT_QTABLES_FILE = 'qtables.json';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const QTablesFile = z
  .object({
    format: z.literal(QTABLES_FORMAT),
    version: z.string().regex(/^1\.\d+\.\d+$/, `must be a 1.x.y version of ${QTABLES_FORMAT}`),
    router: z.string().min(1).describe('The router instance that learned them.'),
    observation: z.literal(OBSERVATION_ENCODING).describe('How a provider observation is discretised into a row key (docs/scenarios.md).'),
    providers: z.array(z.string().min(1)).min(1).describe('Column order: one Q-value per provider.'),
    agents: z
      .array(
        z
          .object({
            agent: z.number().int().min(0),
            epsilon: z.number().min(0).max(1).describe('Exploration rate after the run\'s last episode: where a warm start resumes.'),
            updates: z.number().int().min(0),
            table: z.record(z.string().regex(/^f[0-3]l[0-2]p[01]$/, 'must be an observation key like f3l0p0'), z.array(finite)).describe('Row key (provider observation) -> Q-value per provider.'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    f.agents.forEach((a, i) => {
      if (a.agent !== i) ctx.addIssue({ code: 'custom', path: ['agents', i, 'agent'], message: `agents must be in order: expected ${i}` });
      if (Object.keys(a.table).length > OBSERVATION_LEVELS) ctx.addIssue({ code: 'custom', path: ['agents', i, 'table'], message: `at most ${OBSERVATION_LEVELS} rows` });
      for (const [key, row] of Object.entries(a.table)) {
        if (row.length !== f.providers.length) ctx.addIssue({ code: 'custom', path: ['agents', i, 'table', key], message: `has ${row.length} values for ${f.providers.length} providers` });
      }
    });
  })
  .describe('qtables.json: a learning mesh router\'s final Q-tables, one per agent; a later run can warm-start from them.');
export type QTablesFile = z.infer<typeof QTablesFile>;

/** What is wrong with a Q-tables file's text, or undefined when it is one. */
export function qtablesProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const r = QTablesFile.safeParse(value);
  if (r.success) return undefined;
  const i = r.error.issues[0]!;
  return `not a ${QTABLES_FORMAT} file: ${i.path.join('.') || '(root)'}: ${i.message}`;
}

export function formatQTables(file: QTablesFile): string {
  return `${JSON.stringify(file)}\n`;
}
