import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { runAndPromote } from './promote.ts';

// run.json is a run's last write: whoever finds it (the operator writing the
// manifest while the pod is still running) finds the run's provenance too.

const exp = parseExperimentText(tinySpec('order'));
const layout = ExperimentLayout.of(exp);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A file store that logs the keys written, in order, and can refuse the provenance writes. */
class LoggingStore extends FileStore {
  readonly writes: string[] = [];
  failProvenance = false;

  override async put(key: string, body: string | Uint8Array): Promise<void> {
    if (this.failProvenance && key.includes('/provenance/')) throw new Error('store down');
    this.writes.push(key);
    await super.put(key, body);
  }

  override async putIfAbsent(...args: Parameters<FileStore['putIfAbsent']>): ReturnType<FileStore['putIfAbsent']> {
    this.writes.push(args[0]);
    return super.putIfAbsent(...args);
  }
}

function store(): LoggingStore {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-order-'));
  dirs.push(dir);
  return new LoggingStore(dir);
}

describe('the order of a run\'s writes', () => {
  it('writes the run\'s files, then its provenance, then run.json last', async () => {
    const s = store();
    const out = await runAndPromote(exp, 1, s, { registry: builtinRegistry, attempt: 'a' });
    expect(out.status).toBe('succeeded');
    const runId = out.point.runId;
    expect(s.writes.at(-1)).toBe(layout.runRecord(runId));
    expect(s.writes.at(-2)).toBe(layout.provenance(runId));
    expect(s.writes.slice(0, -2).every((k) => k.startsWith(`${layout.run(runId)}/`))).toBe(true);
    expect(s.writes.length).toBeGreaterThan(2);
  });

  it('a provenance write that fails leaves no run.json: the run is not done, and a resume runs it again', async () => {
    const s = store();
    s.failProvenance = true;
    await expect(runAndPromote(exp, 1, s, { registry: builtinRegistry, attempt: 'a' })).rejects.toThrow();
    const runId = s.writes[0]?.split('/').at(-2) ?? '';
    expect(await s.stat(layout.runRecord(runId))).toBeUndefined();
    s.failProvenance = false;
    const again = await runAndPromote(exp, 1, s, { registry: builtinRegistry, attempt: 'b' });
    expect(again.status).toBe('succeeded');
    expect(JSON.parse((await s.get(layout.provenance(again.point.runId)))?.toString('utf8') ?? '{}')).toMatchObject({ attempt: 'b' });
  });
});
