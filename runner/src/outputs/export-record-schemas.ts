import type { z } from 'zod';
import { GovernanceV04Record } from '../modules/builtin/governance/v04/record.ts';

/** The line schemas of `swarmlab export`'s record formats, by format name; their JSON Schemas are published with the output files'. */
export const exportRecordSchemas: Readonly<Record<string, z.ZodType>> = {
  'governance-v0.4': GovernanceV04Record,
};
