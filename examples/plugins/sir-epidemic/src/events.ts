import { defineEvent, z } from 'swarmlab/sdk';

/** An infectious agent's contact that transmits; the policy may stop it on the way. */
export const Infect = defineEvent('infect', z.object({ from: z.string().describe('The infecting agent.') }), 'A transmission from one agent to a neighbour.');

/** An infected agent's infectious period ends. */
export const Recover = defineEvent('recover', z.object({}), 'An infected agent recovers (and is immune).');
