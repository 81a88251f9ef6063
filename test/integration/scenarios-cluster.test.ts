// Every shipped Experiment file, applied with the pinned kubectl to the local
// control plane where the chart is installed (its operator a pod on the local
// node, in a namespace that enforces the restricted Pod Security profile, run
// pods beside it), reaches Complete with the manifest digest `swarmlab run`
// gives the same file.
//
// The shipped sweeps are larger than a test should run, so each file is
// reduced before anything reads it: one seed, the first two values of the
// first grid axis, the first value of every other axis, at most one explicit
// point. The reduction is made on the parsed YAML document (comments, quoting
// and every other key as written) and written to one temp file; kubectl
// applies that file and `swarmlab run` runs that file, so both read the same
// bytes, and the scenario is the real file's. The tables and the report the
// cluster's finishing step builds, fetched with `swarmlab results --download`,
// are the bytes `swarmlab run` wrote.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { installChart, type ChartRelease } from '../cluster/chart-release.ts';
import { waitForPhase } from '../cluster/operator-fixture.ts';
import { useCluster } from '../cluster/harness.ts';
import { expectDownloadIsLocal, swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('scenarios');
const repo = new URL('../../', import.meta.url);
let release: ChartRelease | undefined;
beforeAll(async () => {
  release = await installChart(cluster, { release: 'scenarios' });
}, 300_000);
afterAll(() => release?.uninstall());

/** Experiment files shipped in scenarios/ and examples/ (when it exists). */
function shippedFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['scenarios', 'examples']) {
    const path = fileURLToPath(new URL(`${dir}/`, repo));
    if (!existsSync(path)) continue;
    for (const f of readdirSync(path).sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      const text = readFileSync(join(path, f), 'utf8');
      if (/^kind:\s*Experiment\s*$/m.test(text)) out.push(join(path, f));
    }
  }
  return out;
}

/** The file's text with its sweep reduced (see the header comment); everything else as written. */
function reduced(text: string): string {
  const doc = parseDocument(text);
  const sweep = doc.getIn(['spec', 'sweep']);
  if (isMap(sweep)) {
    const seeds = sweep.get('seeds');
    if (isMap(seeds)) {
      const list = seeds.get('list');
      if (isSeq(list)) list.items.splice(1);
      else seeds.set('replicas', 1);
    }
    const grid = sweep.get('grid');
    if (isSeq(grid)) {
      grid.items.forEach((axis, i) => {
        const values = isMap(axis) ? axis.get('values') : undefined;
        if (isSeq(values)) values.items.splice(i === 0 ? 2 : 1);
      });
    }
    const points = sweep.get('points');
    if (isSeq(points)) points.items.splice(1);
  }
  return doc.toString({ lineWidth: 0 });
}

describe('shipped Experiment files on the local control plane', () => {
  const files = shippedFiles();

  it('are found: the five scenarios at least', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    it(`${base}: kubectl apply reaches Complete with the manifest digest of swarmlab run, and its tables and report download as swarmlab run's bytes`, { timeout: 360_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swarmlab-scenario-'));
      const copy = join(dir, base);
      writeFileSync(copy, reduced(readFileSync(file, 'utf8')));
      const name = String(parseDocument(readFileSync(copy, 'utf8')).getIn(['metadata', 'name']));

      const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', copy]);
      expect(applied.code, applied.stderr).toBe(0);
      const local = await swarmlab(['run', copy, '--json', '--workers', '2', '--store', `file://${join(dir, 'results')}`], { SWARMLAB_S3_ENDPOINT: '' });
      expect(local.code, local.stderr).toBe(0);
      const summary = JSON.parse(local.stdout) as { total: number; succeeded: number; manifestDigest: string };
      expect(summary.succeeded).toBe(summary.total);

      const done = await waitForPhase(cluster, name, 'Complete', 200_000);
      expect(done.runs?.succeeded).toBe(summary.total);
      expect(done.manifestDigest).toBe(summary.manifestDigest);

      await expectDownloadIsLocal(cluster, name, { localSet: join(dir, 'results', name, (done.specDigest ?? '').slice(0, 16)), into: join(dir, 'downloaded') });
    });
  }
});
