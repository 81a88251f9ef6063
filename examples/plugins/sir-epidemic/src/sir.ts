import { defineModule, entityOf, expectNetwork, intent, isNetwork, on, z, type Sim } from 'swarmlab/sdk';
import { Infect, Recover } from './events.ts';
import { sirPanels } from './panels.ts';

const SUSCEPTIBLE = 0;
const INFECTED = 1;
const RECOVERED = 2;

/**
 * Stochastic SIR on a network, in continuous time. When an agent is infected
 * it draws its infectious period T ~ Exp(recoveryRate); each neighbour's first
 * contact time is ~ Exp(transmissionRate), and the contacts before T
 * transmit. A transmission to an agent that is no longer susceptible does
 * nothing. On a complete graph of N agents this is the well-mixed epidemic
 * with R0 = (N-1) * transmissionRate / (transmissionRate + recoveryRate).
 */
export const sirEpidemic = defineModule({
  kind: 'agent',
  name: 'sir-epidemic',
  version: '1.0.0',
  description: 'Stochastic SIR epidemic over a network: per-edge transmission and exponential recovery.',
  config: z
    .object({
      network: z.string().min(1).describe('Network instance whose nodes are the agents and whose edges are the contacts.'),
      transmissionRate: z.number().positive().describe('Rate at which an infected agent transmits along each edge.'),
      recoveryRate: z.number().positive().default(1).describe('Rate of recovery: the mean infectious period is 1/recoveryRate.'),
      initialInfected: z.number().int().min(1).default(1).describe('Agents infected at time 0, drawn uniformly at random.'),
    })
    .strict(),
  events: { handles: [Infect, Recover], emits: [{ event: Infect, to: 'self' }, { event: Recover, to: 'self' }] },
  publishes: {
    metrics: { susceptible: 'Agents not yet infected.', infected: 'Agents infectious now.', recovered: 'Agents recovered (immune).' },
  },
  dependsOn: (c) => [c.network],
  panels: sirPanels,
  validate(config, scenario) {
    const net = expectNetwork(scenario, config.network, ['network']);
    if (!isNetwork(net)) return net;
    if (net.size !== undefined && config.initialInfected > net.size) {
      return [{ path: ['initialInfected'], message: `${config.initialInfected} initial infections but network ${config.network} has ${net.size} agents` }];
    }
    return [];
  },
  create(config, ctx) {
    const graph = ctx.network(config.network);
    const index = new Map(graph.nodes.map((n, i) => [n, i]));
    const state = new Uint8Array(graph.nodes.length);
    const rng = ctx.rng('epidemic');
    const counts = { susceptible: graph.nodes.length, infected: 0, recovered: 0 };
    let peak = 0;
    let peakTime = 0;
    let lastRecovery = 0;

    const infect = (agent: string, sim: Sim): void => {
      const i = index.get(agent)!;
      if (state[i] !== SUSCEPTIBLE) return;
      state[i] = INFECTED;
      counts.susceptible--;
      counts.infected++;
      if (counts.infected > peak) {
        peak = counts.infected;
        peakTime = sim.now;
      }
      const period = rng.exponential(config.recoveryRate);
      // Each neighbour is contacted before the period ends with probability q; skipping geometrically
      // to the next one contacted costs a draw per transmission, not per neighbour (a hub has thousands).
      const rate = config.transmissionRate;
      const q = 1 - Math.exp(-rate * period);
      const skip = (): number => (q >= 1 ? 0 : Math.floor(Math.log(1 - rng.next()) / Math.log(1 - q)));
      const neighbours = graph.neighbors(agent);
      for (let j = skip(); j < neighbours.length; j += 1 + skip()) {
        // The contact time, given that it falls within the period: an exponential truncated at the period.
        const contact = -Math.log(1 - rng.next() * q) / rate;
        sim.emit(intent(Infect, `${ctx.instance}/${neighbours[j]!}`, { from: agent }, { delay: contact, from: agent }));
      }
      sim.emit(intent(Recover, `${ctx.instance}/${agent}`, {}, { delay: period, from: agent }));
    };

    return {
      start(sim) {
        for (const agent of rng.shuffle(graph.nodes).slice(0, config.initialInfected)) infect(agent, sim);
      },
      handle: {
        ...on(Infect, (_p, e, sim) => infect(entityOf(e.target)!, sim)),
        ...on(Recover, (_p, e, sim) => {
          state[index.get(entityOf(e.target)!)!] = RECOVERED;
          counts.infected--;
          counts.recovered++;
          lastRecovery = sim.now;
        }),
      },
      metrics: () => counts,
      summary: () => ({
        agents: graph.nodes.length,
        finalSize: counts.recovered + counts.infected,
        attackRate: (counts.recovered + counts.infected) / graph.nodes.length,
        peakInfected: peak,
        peakTime,
        duration: lastRecovery,
      }),
    };
  },
});
