import { describe, expect, it } from 'vitest';
import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import { formatFailureRecord } from 'swarmlab';
import { failuresFromPods } from './failures.ts';

function pod(index: number, terminated: Partial<V1ContainerStateTerminated>, finishedAt: string): V1Pod {
  return {
    metadata: { labels: { 'batch.kubernetes.io/job-completion-index': String(index) } },
    status: {
      phase: 'Failed',
      containerStatuses: [{ name: 'runner', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, ...terminated, finishedAt: new Date(finishedAt) } } }],
    },
  } as V1Pod;
}

describe('runner failures from pods', () => {
  it('reads the runner\'s failure record from the termination message, code, path and attempt included', () => {
    const message = formatFailureRecord('run-000003', {
      index: 3,
      code: 'INVALID_MODULE_CONFIG',
      message: 'agents (40) must equal the network size (50)',
      path: 'spec.scenario.modules[1].config.agents',
      attempt: 'exp-abc-0-3-x7k2p',
    });
    expect(failuresFromPods([pod(3, { exitCode: 2, reason: 'Error', message }, '2026-01-01T00:00:00Z')])).toEqual([
      {
        index: 3,
        code: 'INVALID_MODULE_CONFIG',
        message: 'agents (40) must equal the network size (50)',
        path: 'spec.scenario.modules[1].config.agents',
        attempt: 'exp-abc-0-3-x7k2p',
        block: [3, 3],
      },
    ]);
  });

  it('describes an OOM kill from the container status: OUT_OF_MEMORY, naming the memory limit', () => {
    const [f] = failuresFromPods([pod(1, { exitCode: 137, reason: 'OOMKilled' }, '2026-01-01T00:00:00Z')]);
    expect(f).toMatchObject({ index: 1, code: 'OUT_OF_MEMORY', path: 'spec.execution.resources.limits.memory' });
    expect(f?.message).toMatch(/exit 137.*raise spec\.execution\.resources\.limits\.memory/);
  });

  it('never takes a code from log text: a pod without a record is described by its exit status', () => {
    const logs = 'progress...\nswarmlab: OUTPUT_CONFLICT: runs/run-000002/summary.json differs\n';
    expect(failuresFromPods([pod(2, { exitCode: 1, reason: 'Error', message: logs }, '2026-01-01T00:00:00Z')])).toEqual([
      { index: 2, code: 'RUN_FAILED', message: 'exit 1 (Error): swarmlab: OUTPUT_CONFLICT: runs/run-000002/summary.json differs', block: [2, 2] },
    ]);
    // An exit status that only one code has names it; a SIGKILL that is not an OOM kill is not OUT_OF_MEMORY.
    expect(failuresFromPods([pod(4, { exitCode: 3, reason: 'Error' }, '2026-01-01T00:00:00Z')])[0]?.code).toBe('INVALID_OUTPUT');
    expect(failuresFromPods([pod(5, { exitCode: 137, reason: 'Error' }, '2026-01-01T00:00:00Z')])[0]?.code).toBe('RUN_FAILED');
  });

  it('keeps the latest pod per index, sorted by index', () => {
    const conflict = formatFailureRecord('run-000002', { index: 2, code: 'OUTPUT_CONFLICT', message: 'runs/run-000002/summary.json differs' });
    const f = failuresFromPods([
      pod(5, { message: formatFailureRecord('run-000005', { index: 5, code: 'RUN_FAILED', message: 'first try' }) }, '2026-01-01T00:00:00Z'),
      pod(2, { exitCode: 5, message: conflict }, '2026-01-01T00:00:01Z'),
      pod(5, { exitCode: 137, reason: 'OOMKilled' }, '2026-01-01T00:00:09Z'),
    ]);
    expect(f.map((x) => [x.index, x.code])).toEqual([
      [2, 'OUTPUT_CONFLICT'],
      [5, 'OUT_OF_MEMORY'],
    ]);
  });
});

describe('failures of pods that ran a block of runs', () => {
  const part = { offset: 100, size: 50, runsPerPod: 10 };

  it('a record names its own run; the failure carries the block of the pod\'s completion index, in global runs', () => {
    const record = formatFailureRecord('run-000123', { index: 123, code: 'STORE_ERROR', message: 'the store said 503' });
    expect(failuresFromPods([pod(2, { exitCode: 4, message: record }, '2026-01-01T00:00:00Z')], part)).toEqual([
      { index: 123, code: 'STORE_ERROR', message: 'the store said 503', block: [120, 129] },
    ]);
  });

  it('a pod killed without a record stands for its block, from the block\'s first run', () => {
    const [f] = failuresFromPods([pod(4, { exitCode: 137, reason: 'OOMKilled' }, '2026-01-01T00:00:00Z')], part);
    expect(f).toMatchObject({ index: 140, code: 'OUT_OF_MEMORY', block: [140, 149] });
  });

  it('a record naming a run outside the pod\'s block is placed at the block', () => {
    const stray = formatFailureRecord('run-000003', { index: 3, code: 'RUN_FAILED', message: 'x' });
    expect(failuresFromPods([pod(0, { message: stray }, '2026-01-01T00:00:00Z')], part)[0]).toMatchObject({ index: 100, block: [100, 109] });
  });
});
