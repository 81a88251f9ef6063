import { defineModule, entityOf, expectInstance, expectNetwork, isNetwork, z } from 'swarmlab/sdk';
import { Infect } from './events.ts';

/**
 * Vaccination under a dose budget: before the epidemic starts, `doses` agents
 * are immunised, chosen at random or by highest degree (the hubs first). The
 * policy refuses every transmission to a vaccinated agent; the epidemic module
 * hears of each refusal and the transmission does not happen.
 */
export const sirVaccination = defineModule({
  kind: 'policy',
  name: 'sir-vaccination',
  version: '1.0.0',
  description: 'Vaccinates a budget of agents (random or highest degree) and blocks every transmission to them.',
  config: z
    .object({
      epidemic: z.string().min(1).default('epidemic').describe('The sir-epidemic instance whose transmissions the policy reviews.'),
      network: z.string().min(1).describe('The contact network (to rank agents by degree).'),
      doses: z.number().int().min(0).describe('Number of agents vaccinated before the epidemic starts.'),
      strategy: z.enum(['random', 'degree']).default('random').describe('random: any agents; degree: the agents with most contacts first (ties by node order).'),
    })
    .strict(),
  publishes: { metrics: { vaccinated: 'Agents vaccinated.', blocked: 'Transmissions refused because the target was vaccinated.' } },
  dependsOn: (c) => [c.network],
  validate(config, scenario) {
    const issues = expectInstance(scenario, config.epidemic, ['epidemic'], ['sir-epidemic']);
    const net = expectNetwork(scenario, config.network, ['network']);
    if (!isNetwork(net)) return [...issues, ...net];
    if (net.size !== undefined && config.doses > net.size) issues.push({ path: ['doses'], message: `${config.doses} doses but network ${config.network} has ${net.size} agents` });
    return issues;
  },
  create(config, ctx) {
    const graph = ctx.network(config.network);
    const ranked = config.strategy === 'random' ? ctx.rng('doses').shuffle(graph.nodes) : [...graph.nodes].sort((a, b) => graph.neighbors(b).length - graph.neighbors(a).length);
    const vaccinated = new Set(ranked.slice(0, config.doses));
    let blocked = 0;
    return {
      review(proposed) {
        if (proposed.type !== Infect.type || !proposed.target.startsWith(`${config.epidemic}/`)) return { allow: true };
        if (!vaccinated.has(entityOf(proposed.target)!)) return { allow: true };
        blocked++;
        return { allow: false, reason: 'the target is vaccinated', code: 'VACCINATED' };
      },
      metrics: () => ({ vaccinated: vaccinated.size, blocked }),
      summary: () => ({ vaccinated: vaccinated.size, blocked, strategy: config.strategy }),
    };
  },
});
