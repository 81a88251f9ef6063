import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExperimentStatus } from '../api/status.ts';
import { OperatorMetrics, type ExperimentCounts } from './metrics.ts';
import { buildServer, OPENAPI, type ExperimentView, type HttpSource } from './server.ts';

const done: ExperimentStatus = {
  phase: 'Complete',
  runs: { total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 },
  resultsURI: 's3://r/a/0123456789abcdef/',
  manifestURI: 's3://r/a/0123456789abcdef/manifest.json',
  manifestDigest: 'f'.repeat(64),
};
const views: ExperimentView[] = [
  { namespace: 'lab', name: 'b', status: { phase: 'Running', runs: { total: 10, pending: 5, running: 2, succeeded: 3, failed: 0 } } },
  { namespace: 'lab', name: 'a', status: done },
  { namespace: 'other', name: 'c', status: undefined },
];

function source(over: Partial<HttpSource> = {}): HttpSource {
  return {
    synced: () => true,
    leaderState: () => 'leader',
    list: (ns) => views.filter((v) => ns === undefined || v.namespace === ns),
    get: (ns, name) => views.find((v) => v.namespace === ns && v.name === name),
    readManifest: async () => ({ digest: 'f'.repeat(64), counts: { total: 4 } }),
    readReport: async (_ns, name) => (name === 'a' ? { found: true, bytes: Buffer.from(REPORT) } : undefined),
    ...over,
  };
}

const REPORT = '<!DOCTYPE html><html><body><h1>a</h1></body></html>\n';

const counts = (): ExperimentCounts => ({
  byPhase: { Pending: 0, Queued: 0, Running: 1, Suspended: 0, Complete: 1, Failed: 0, Invalid: 0, Unknown: 1 },
  runs: { pending: 5, running: 2, succeeded: 7, failed: 0 },
});

describe('operator HTTP', () => {
  it('healthz, and readyz reporting sync and role', async () => {
    const app = buildServer(source({ synced: () => false, leaderState: () => 'standby' }), new OperatorMetrics(counts, { defaultMetrics: false }));
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'syncing', role: 'standby' });
    const ready = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    expect((await ready.inject('/readyz')).json()).toEqual({ status: 'ready', role: 'leader' });
  });

  it('serves metrics from its own registry with bounded labels', async () => {
    const metrics = new OperatorMetrics(counts);
    metrics.apiErrors.inc({ verb: 'create' });
    metrics.reconcileDuration.observe({ result: 'success' }, 0.02);
    const app = buildServer(source(), metrics);
    await app.inject('/api/v1/namespaces/lab/experiments/a');
    await app.inject('/api/v1/namespaces/lab/experiments/zzz');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    expect(text).toContain('swarmlab_experiments{phase="Running"} 1');
    expect(text).toContain('swarmlab_runs{outcome="succeeded"} 7');
    expect(text).toContain('swarmlab_api_errors_total{verb="create"} 1');
    expect(text).toContain('swarmlab_reconcile_duration_seconds_count{result="success"} 1');
    expect(text).toContain('swarmlab_workqueue_depth');
    expect(text).toContain('swarmlab_storage_failures_total');
    expect(text).toContain('swarmlab_apply_to_work_created_seconds_bucket');
    expect(text).toContain('swarmlab_operator_process_cpu_seconds_total');
    // Route patterns, not raw URLs: one series for both experiment lookups.
    expect(text).toContain('swarmlab_http_requests_total{route="/api/v1/namespaces/:namespace/experiments/:name",method="GET",code="200"} 1');
    expect(text).toContain('code="404"} 1');
    expect(text).not.toContain('zzz');
    // Two operators in one process do not collide.
    expect(() => new OperatorMetrics(counts)).not.toThrow();
  });

  it('lists experiments with progress, sorted, filterable by namespace', async () => {
    const app = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    const all = (await app.inject('/api/v1/experiments')).json() as { items: { name: string; phase: string; fraction: number }[] };
    expect(all.items.map((i) => `${i.name}:${i.phase}`)).toEqual(['a:Complete', 'b:Running', 'c:Unknown']);
    expect(all.items[1]!.fraction).toBeCloseTo(0.3);
    const lab = (await app.inject('/api/v1/experiments?namespace=other')).json() as { items: unknown[] };
    expect(lab.items).toHaveLength(1);
  });

  it('shows one experiment with its manifest, and 404s unknown ones', async () => {
    const app = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    const one = (await app.inject('/api/v1/namespaces/lab/experiments/a')).json() as { status: ExperimentStatus; manifest: { counts: { total: number } } };
    expect(one.status.manifestDigest).toBe('f'.repeat(64));
    expect(one.manifest.counts.total).toBe(4);
    const running = (await app.inject('/api/v1/namespaces/lab/experiments/b')).json() as { manifest: unknown };
    expect(running.manifest).toBeNull();
    const missing = await app.inject('/api/v1/namespaces/lab/experiments/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports a store failure reading the manifest instead of failing the request', async () => {
    const app = buildServer(source({ readManifest: async () => Promise.reject(new Error('STORE_UNAVAILABLE: connection refused')) }), new OperatorMetrics(counts, { defaultMetrics: false }));
    const res = await app.inject('/api/v1/namespaces/lab/experiments/a');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ manifest: null, manifestError: 'STORE_UNAVAILABLE: connection refused' });
  });

  it('serves an experiment\'s report as its results index records it, with the report\'s own content policy; says why when it cannot', async () => {
    const app = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    const ok = await app.inject('/api/v1/namespaces/lab/experiments/a/report');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(ok.body).toBe(REPORT);
    const notYet = await app.inject('/api/v1/namespaces/lab/experiments/b/report');
    expect([notYet.statusCode, notYet.json()]).toMatchObject([404, { code: 'REPORT_NOT_READY' }]);
    const unknown = await app.inject('/api/v1/namespaces/lab/experiments/nope/report');
    expect([unknown.statusCode, unknown.json()]).toMatchObject([404, { code: 'NOT_FOUND' }]);
    const altered = buildServer(source({ readReport: async () => ({ found: false, why: 'altered', message: 'report.html: its bytes are not the ones results-index.json records' }) }), new OperatorMetrics(counts, { defaultMetrics: false }));
    const bad = await altered.inject('/api/v1/namespaces/lab/experiments/a/report');
    expect([bad.statusCode, bad.json()]).toMatchObject([409, { code: 'INVALID_OUTPUT', message: expect.stringContaining('results-index.json') }]);
    const down = buildServer(source({ readReport: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')) }), new OperatorMetrics(counts, { defaultMetrics: false }));
    const failed = await down.inject('/api/v1/namespaces/lab/experiments/a/report');
    expect([failed.statusCode, failed.json()]).toMatchObject([503, { code: 'STORE_UNAVAILABLE' }]);
  });

  it('publishes an OpenAPI document naming every route', async () => {
    const app = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    const doc = (await app.inject('/openapi.json')).json() as typeof OPENAPI;
    expect(Object.keys(doc.paths)).toEqual(['/healthz', '/readyz', '/metrics', '/api/v1/experiments', '/api/v1/namespaces/{namespace}/experiments/{name}', '/api/v1/namespaces/{namespace}/experiments/{name}/report']);
    expect(doc.openapi).toBe('3.0.3');
  });

  it('answers other methods on its routes with 405 and Allow, before reading a body; unknown paths stay 404', async () => {
    const app = buildServer(source(), new OperatorMetrics(counts, { defaultMetrics: false }));
    for (const [method, url] of [['POST', '/api/v1/experiments'], ['DELETE', '/api/v1/namespaces/lab/experiments/a'], ['TRACE', '/healthz'], ['QUERY', '/metrics']] as const) {
      const r = await app.inject({ method, url });
      expect(r.statusCode, `${method} ${url}`).toBe(405);
      expect(r.headers['allow']).toBe('GET, HEAD');
      expect(r.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    expect((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/v1/nothing' })).statusCode).toBe(404);
  });

  it('holds to its OpenAPI document under schemathesis: every operation, valid and invalid inputs, all checks', { timeout: 180_000 }, async () => {
    const app = buildServer(
      source({ readManifest: async (_ns, name) => (name === 'a' ? { digest: 'f'.repeat(64) } : Promise.reject(new Error('store down'))) }),
      new OperatorMetrics(counts, { defaultMetrics: false }),
    );
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    // .ci/run exports SCHEMATHESIS; elsewhere the script installs the pinned release once.
    const st = process.env['SCHEMATHESIS'] || execFileSync('bash', [fileURLToPath(new URL('../../../scripts/ensure-pypi-tool.sh', import.meta.url)), 'schemathesis'], { encoding: 'utf8' }).trim();
    const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-st-'));
    try {
      const r = await run(st, ['run', `${base}/openapi.json`, '--checks', 'all', '--max-examples', '60', '--seed', '1', '--generation-database', 'none', '--no-color'], scratch);
      expect(r.code, r.output).toBe(0);
      // Not vacuous: every documented operation was exercised.
      expect(r.output).toMatch(/Tested: 6\b/);
    } finally {
      await app.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/** Runs a command to its end without blocking the event loop (the server under test lives in this process). */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
