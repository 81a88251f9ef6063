import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { failuresFromPods, parseRunnerError } from './failures.ts';

function pod(index: number, message: string, finishedAt: string, exitCode = 1): V1Pod {
  return {
    metadata: { labels: { 'batch.kubernetes.io/job-completion-index': String(index) } },
    status: { phase: 'Failed', containerStatuses: [{ name: 'runner', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, message, finishedAt: new Date(finishedAt) } } }] },
  } as V1Pod;
}

describe('runner failures', () => {
  it('reads the error code from the runner\'s last line', () => {
    expect(parseRunnerError('progress...\nswarmlab: INVALID_OUTPUT: s3://b/x/runs/run-000003/metrics.csv: sha256 mismatch\n')).toEqual({
      code: 'INVALID_OUTPUT',
      message: 's3://b/x/runs/run-000003/metrics.csv: sha256 mismatch',
    });
    expect(parseRunnerError('swarmlab: NOT_A_CODE: x\nboom')).toEqual({ code: undefined, message: 'boom' });
  });

  it('keeps the latest pod per index, sorted by index', () => {
    const f = failuresFromPods([
      pod(5, 'swarmlab: RUN_FAILED: first try', '2026-01-01T00:00:00Z'),
      pod(2, 'swarmlab: OUTPUT_CONFLICT: runs/run-000002/summary.json differs', '2026-01-01T00:00:01Z'),
      pod(5, 'killed', '2026-01-01T00:00:09Z', 137),
    ]);
    expect(f).toEqual([
      { index: 2, code: 'OUTPUT_CONFLICT', message: 'runs/run-000002/summary.json differs' },
      { index: 5, code: undefined, message: 'exit 137: killed' },
    ]);
  });
});
