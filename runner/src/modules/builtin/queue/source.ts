import { defineModule, expectInstance, expectNetwork, isNetwork, z } from 'swarmlab/sdk';

/** Poisson arrivals: exponential inter-arrival times drawn from the module's own stream. */
export const poissonSource = defineModule({
  kind: 'agent',
  name: 'poisson-source',
  publishes: { metrics: { sent: 'Customers sent so far.', turnedAway: 'Customers a policy refused (they balk).' } },
  version: '1.0.0',
  description: 'Sends customers to a queue as a Poisson process of rate lambda.',
  config: z
    .object({
      rate: z.number().positive().default(0.5).describe('Arrival rate lambda (customers per time unit).'),
      target: z.string().min(1).default('server').describe('Instance name of the queue that receives arrivals.'),
      network: z.string().min(1).optional().describe('Network instance customers travel over (edge weight adds transit latency).'),
      node: z.string().min(1).default('source').describe('This source\'s node in the network.'),
      targetNode: z.string().min(1).default('server').describe('The queue\'s node in the network.'),
      limit: z.number().int().positive().optional().describe('Stop after this many customers.'),
    })
    .strict(),
  dependsOn: (c) => (c.network ? [c.network] : []),
  validate(config, scenario) {
    const issues = expectInstance(scenario, config.target, ['target'], ['service-queue']);
    if (config.network === undefined) return issues;
    const net = expectNetwork(scenario, config.network, ['network']);
    if (!isNetwork(net)) return [...issues, ...net];
    if (net.hasNode(config.node) === false) issues.push({ path: ['node'], message: `network ${config.network} has no node ${config.node}` });
    if (net.hasNode(config.targetNode) === false) issues.push({ path: ['targetNode'], message: `network ${config.network} has no node ${config.targetNode}` });
    // Every customer travels the edge node -> targetNode: without it every arrival fails.
    else if (net.hasNode(config.node) && net.hasEdge(config.node, config.targetNode) === false) {
      issues.push({ path: ['targetNode'], message: `network ${config.network} has no edge ${config.node} -> ${config.targetNode} for customers to travel`, hint: 'add the edge, or point node/targetNode at linked nodes' });
    }
    return issues;
  },
  create(config, ctx) {
    const rng = ctx.rng('arrivals');
    let sent = 0;
    let turnedAway = 0;
    // Made once: a target built per customer is a new string the engine must hash to route it.
    const target = config.network ? `${config.target}/${config.targetNode}` : config.target;
    const route = config.network ? { via: config.network, from: config.node } : {};
    return {
      start(sim) {
        sim.emit({ type: 'generate', target: ctx.instance, delay: rng.exponential(config.rate) });
      },
      handle: {
        generate(_e, sim) {
          sim.emit({
            type: 'arrival',
            target,
            payload: { customer: sent, created: sim.now },
            ...route,
          });
          sent++;
          if (config.limit === undefined || sent < config.limit) {
            sim.emit({ type: 'generate', target: ctx.instance, delay: rng.exponential(config.rate) });
          }
        },
        // A policy (e.g. admission control) refused the arrival: the customer balks.
        'intent.refused'() {
          turnedAway++;
        },
      },
      metrics: () => ({ sent, turnedAway }),
    };
  },
});
