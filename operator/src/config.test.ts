import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.ts';

describe('operator config', () => {
  it('has defaults for everything but the watch namespace and store', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({ workers: 4, runnerPullPolicy: 'IfNotPresent', httpPort: 8080, leaderElection: true, leaseName: 'swarmlab-operator', leaseNamespace: 'default', resyncSeconds: 300, runnerEnv: {} });
    expect(c.namespace).toBeUndefined();
    expect(c.store).toBeUndefined();
  });

  it('reads env, then flags override', () => {
    const c = configFromEnv(
      {
        SWARMLAB_WATCH_NAMESPACE: 'lab',
        SWARMLAB_WORKERS: '8',
        SWARMLAB_STORE: 's3://results/swarmlab',
        SWARMLAB_RUNNER_ENV: '{"SWARMLAB_S3_ENDPOINT":"http://minio:9000"}',
        SWARMLAB_LEADER_ELECTION: 'false',
        POD_NAMESPACE: 'swarmlab-system',
        POD_NAME: 'op-0',
        SWARMLAB_RUNNER_NODE_SELECTOR: '{"swarmlab.io/runner":"true"}',
        SWARMLAB_RUNNER_TOLERATIONS: '[{"key":"swarmlab.io/runner","operator":"Equal","value":"true","effect":"NoSchedule"}]',
      },
      { workers: '2' },
    );
    expect(c).toMatchObject({ namespace: 'lab', workers: 2, store: 's3://results/swarmlab', runnerEnv: { SWARMLAB_S3_ENDPOINT: 'http://minio:9000' }, leaderElection: false, leaseNamespace: 'swarmlab-system', identity: 'op-0' });
    expect(c.runnerNodeSelector).toEqual({ 'swarmlab.io/runner': 'true' });
    expect(c.runnerTolerations).toEqual([{ key: 'swarmlab.io/runner', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  });

  it('rejects bad values naming the key', () => {
    expect(() => configFromEnv({ SWARMLAB_WORKERS: '0' })).toThrow(/workers/);
    expect(() => configFromEnv({ SWARMLAB_RUNNER_PULL_POLICY: 'Sometimes' })).toThrow(/runnerPullPolicy/);
  });
});
