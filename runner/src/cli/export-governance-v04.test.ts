import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { GovernanceV04Record } from '../modules/builtin/governance/v04/record.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ResultsLayout } from '../store/layout.ts';
import { appendMigratedV04, appendResultSetV04, isRecordsFile } from './export-governance-v04.ts';

const work = mkdtempSync(join(tmpdir(), 'swarmlab-v04-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spec = (name: string) => `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: network, module: erdos-renyi, name: influence, config: { size: 10, p: 0.3 } }
      - { kind: agent, module: governance-cascade, name: governance, config: { agents: 10, network: influence } }
    horizon: { events: 1000 }
  sweep:
    seeds: { base: 9, replicas: 2 }
`;

async function resultSet(name: string) {
  const store = new FileStore(join(work, 'results'));
  expect((await runLocal(parseExperimentText(spec(name)), { store, registry: builtinRegistry, workers: 1 })).failed).toBe(0);
  const layout = new ResultsLayout(`${name}/${readdirSync(join(work, 'results', name))[0]!}`);
  return { store, layout, manifest: await readManifest(store, layout.manifest) };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => GovernanceV04Record.parse(JSON.parse(l)));

describe('swarmlab export --format governance-v0.4', { timeout: 60_000 }, () => {
  it('appends: two experiments\' runs end up in one file, each line valid, no run id twice', async () => {
    const out = join(work, 'all.jsonl');
    const a = await resultSet('vote-a');
    const b = await resultSet('vote-b');
    expect(await appendResultSetV04(a.store, a.layout, a.manifest, out)).toBe(2);
    const first = readFileSync(out, 'utf8');
    expect(await appendResultSetV04(b.store, b.layout, b.manifest, out)).toBe(2);
    expect(readFileSync(out, 'utf8').startsWith(first)).toBe(true);
    const records = lines(out);
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r.run_id)).size).toBe(4);
    // Same seeds and spec, other experiment name: the same votes under other ids.
    expect(records[2]?.final_votes).toEqual(records[0]?.final_votes);
  });

  it('migrates an older file into the same kind of file, after a last line with no newline', () => {
    const old = join(work, 'old.jsonl');
    writeFileSync(old, `${JSON.stringify({ seed: 1, num_agents: 0, num_whales: 0, conformity_threshold: 0.6, whale_ratio: 0.2, whale_signal: 0, proposal: { risk_change: 0, yield_change: 0.1, complexity: 0.2 }, initial_counts: { yes: 0, no: 0, abstain: 0 }, final_counts: { yes: 0, no: 0, abstain: 0 }, weighted_initial: { yes: 0, no: 0, abstain: 0 }, weighted_final: { yes: 0, no: 0, abstain: 0 }, flips: 0 })}\nnot json\n`);
    expect(isRecordsFile(old)).toBe(true);
    const out = join(work, 'migrated.jsonl');
    writeFileSync(out, '{"schema_version": "0.4"}');
    const outcome = appendMigratedV04(old, out, '2024-05-06T07:08:09Z');
    expect(outcome).toEqual({ written: 1, filled: 1, dropped: [{ line: 2, reason: 'not valid JSON' }] });
    const text = readFileSync(out, 'utf8').split('\n');
    expect(text[0]).toBe('{"schema_version": "0.4"}');
    expect(GovernanceV04Record.parse(JSON.parse(text[1]!))).toMatchObject({ timestamp: '2024-05-06T07:08:09Z', seed: 1, influence_model: 'none' });
  });

  it('refuses a bad --timestamp and a file with nothing to migrate, writing nothing', () => {
    const old = join(work, 'junk.jsonl');
    writeFileSync(old, 'not json\n');
    const out = join(work, 'none.jsonl');
    expect(() => appendMigratedV04(old, out, 'yesterday')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('--timestamp') }));
    expect(() => appendMigratedV04(old, out, undefined)).toThrow(expect.objectContaining({ code: 'BAD_FILE', message: expect.stringContaining('line 1: not valid JSON') }));
    expect(() => readFileSync(out)).toThrow();
  });

  it('is wired to swarmlab export: a result set and an older file append to one file; no --out is refused', async () => {
    const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
    const swarmlab = (args: string[]) => spawnSync(process.execPath, [bin, 'export', ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
    const set = await resultSet('vote-cli');
    const out = join(work, 'cli.jsonl');
    const fromResults = swarmlab([join(work, 'results', set.layout.root), '--format', 'governance-v0.4', '--out', out]);
    expect(fromResults.stderr).toBe('');
    expect(fromResults.stdout).toBe(`appended 2 v0.4 records of vote-cli to ${out}\n`);
    const fromFile = swarmlab([join(work, 'old.jsonl'), '--format', 'governance-v0.4', '--out', out, '--timestamp', '2024-05-06T07:08:09Z']);
    expect(fromFile.stderr).toContain('old.jsonl line 2 not migrated: not valid JSON');
    expect(fromFile.stdout).toContain('migrated 1 record to v0.4 (1 with metadata filled in), 1 dropped');
    expect(lines(out)).toHaveLength(3);
    const noOut = swarmlab([join(work, 'old.jsonl'), '--format', 'governance-v0.4']);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain('--out FILE.jsonl is needed');
  });
});
