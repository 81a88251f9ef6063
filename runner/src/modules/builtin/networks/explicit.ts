import { defineModule, Graph, z } from 'swarmlab/sdk';

const nodeId = z.string().min(1).max(128);

export const explicitNetwork = defineModule({
  kind: 'network',
  name: 'explicit',
  version: '1.0.0',
  description: 'A graph given node by node and edge by edge in the spec, e.g. a service dependency graph.',
  config: z
    .object({
      directed: z.boolean().default(true).describe('Whether edges have a direction (from -> to).'),
      nodes: z.array(nodeId).min(1).max(100_000).describe('Node ids.'),
      edges: z
        .array(
          z
            .object({
              from: nodeId.describe('Source node id.'),
              to: nodeId.describe('Target node id.'),
              weight: z.number().min(0).default(1).describe('Edge weight; latency for `model: edge` rules.'),
            })
            .strict(),
        )
        .max(1_000_000)
        .default([])
        .describe('Edges between the nodes.'),
    })
    .strict()
    .superRefine((c, ctx) => {
      const ids = new Set<string>();
      c.nodes.forEach((n, i) => {
        if (ids.has(n)) ctx.addIssue({ code: 'custom', path: ['nodes', i], message: `duplicate node id ${n}` });
        ids.add(n);
      });
      c.edges.forEach((e, i) => {
        if (!ids.has(e.from)) ctx.addIssue({ code: 'custom', path: ['edges', i, 'from'], message: `unknown node ${e.from}` });
        if (!ids.has(e.to)) ctx.addIssue({ code: 'custom', path: ['edges', i, 'to'], message: `unknown node ${e.to}` });
      });
    }),
  nodes: (config) => config.nodes,
  edge: (config, from, to) => config.edges.some((e) => (e.from === from && e.to === to) || (!config.directed && e.from === to && e.to === from)),
  create(config) {
    return { graph: new Graph(config.nodes, config.edges, config.directed) };
  },
});
