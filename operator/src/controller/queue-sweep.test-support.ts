import { parseExperiment, type Experiment } from 'swarmlab';

/** A small M/M/1 sweep of `replicas` seeds in blocks of `runsPerPod`: runs of a few milliseconds, for the manifest's unit tests. */
export function queueSweep(name: string, replicas: number, runsPerPod: number): Experiment {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: {
        modules: [
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.7, target: 'server' } },
          { kind: 'agent', module: 'service-queue', name: 'server', config: { serviceRate: 1.0 } },
        ],
        horizon: { time: 20 },
      },
      sweep: { seeds: { base: 1, replicas } },
      execution: { runsPerPod },
    },
  });
}
