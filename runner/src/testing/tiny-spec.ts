/** A six-run M/M/1 sweep that finishes in milliseconds, for tests of the runner's commands and executors. */
export function tinySpec(name = 'tiny', extra = ''): string {
  return `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: ${name}
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
    horizon: { time: 100 }
  sweep:
    seeds: { base: 1, replicas: 3 }
    grid:
      - { param: arrivals.rate, values: [0.4, 0.8] }
${extra}`;
}
