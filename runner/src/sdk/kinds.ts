import { z } from 'zod';

/** What a module is; the one definition of the kinds (the SDK, the spec, the CRD and the output schemas use it). */
export const ModuleKind = z.enum(['agent', 'network', 'policy']);
export type ModuleKind = z.infer<typeof ModuleKind>;
