import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from './file-store.ts';
import { openStore } from './open.ts';
import { StagingArea } from '../outputs/staged-file.ts';

describe('FileStore', () => {
  const store = () => new FileStore(mkdtempSync(join(tmpdir(), 'swarmlab-store-')));

  it('writes a final key once: same bytes is a no-op, different bytes a conflict that keeps the original', async () => {
    const s = store();
    expect(await s.putIfAbsent('a/b.txt', 'one')).toBe('created');
    expect(await s.putIfAbsent('a/b.txt', 'one')).toBe('identical');
    await expect(s.putIfAbsent('a/b.txt', 'two')).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT' });
    expect((await s.get('a/b.txt'))?.toString()).toBe('one');
  });

  it('reads a byte range of a key, and refuses one past its end or of a missing key', async () => {
    const s = store();
    await s.putIfAbsent('runs/r/metrics.parquet', '0123456789');
    expect((await s.getRange('runs/r/metrics.parquet', 2, 5)).toString()).toBe('234');
    expect((await s.getRange('runs/r/metrics.parquet', 0, 10)).toString()).toBe('0123456789');
    expect((await s.getRange('runs/r/metrics.parquet', 4, 4)).length).toBe(0);
    await expect(s.getRange('runs/r/metrics.parquet', 8, 12)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('ends at byte 10') });
    await expect(s.getRange('runs/r/absent.parquet', 0, 1)).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });

  // Staged where the store is (linked into place), and on another file system (copied there by the kernel).
  it.each([
    ['linked', tmpdir()],
    ['copied', '/dev/shm'],
  ])('writes a final key from a staged file, %s, not loaded; the same file again is a no-op, another one a conflict', async (how, stagingParent) => {
    const root = mkdtempSync(join(tmpdir(), 'swarmlab-store-'));
    const s = new FileStore(root);
    const staging = new StagingArea(stagingParent);
    try {
      const staged = (text: string, name: string) => {
        const f = staging.file(name);
        f.append(Buffer.from(text));
        return f.finish();
      };
      const one = staged('one'.repeat(1000), 'one');
      expect(await s.putIfAbsent('runs/r/events.parquet', one)).toBe('created');
      const final = statSync(join(root, 'runs/r/events.parquet'));
      expect(final.ino === statSync(one.path).ino).toBe(how === 'linked');
      expect(final.dev === statSync(one.path).dev).toBe(how === 'linked');
      expect((await s.get('runs/r/events.parquet'))?.equals(one.read())).toBe(true);
      expect(await s.stat('runs/r/events.parquet')).toEqual({ size: one.size, sha256: one.sha256 });
      expect(await s.putIfAbsent('runs/r/events.parquet', staged('one'.repeat(1000), 'again'))).toBe('identical');
      await expect(s.putIfAbsent('runs/r/events.parquet', staged('two'.repeat(1000), 'two'))).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT' });
      expect((await s.get('runs/r/events.parquet'))?.equals(one.read())).toBe(true);
      expect(await s.list('')).toEqual(['runs/r/events.parquet']);
    } finally {
      staging.remove();
    }
  });

  it('lets only one of many concurrent writers create a key', async () => {
    const s = store();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.putIfAbsent('k', `v${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(19);
  });

  it('lists keys under a prefix and hides temp files', async () => {
    const s = store();
    await s.put('x/1', 'a');
    await s.put('x/y/2', 'b');
    await s.put('z/3', 'c');
    expect(await s.list('x/')).toEqual(['x/1', 'x/y/2']);
    expect(await s.list('')).toEqual(['x/1', 'x/y/2', 'z/3']);
  });

  it('checks a folder by writing in it, and leaves nothing behind', async () => {
    const s = store();
    await s.check('exp/digest');
    expect(await s.list('')).toEqual([]);
    await s.put('blocked', 'a file where a folder should be');
    await expect(s.check('blocked/digest')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', file: s.uriFor('blocked/digest') });
  });

  it('reports a write the file system refuses as a store error of the key, not an internal error', async () => {
    const s = store();
    await s.put('blocked', 'x');
    await expect(s.putIfAbsent('blocked/run.json', '{}')).rejects.toMatchObject({ code: 'STORE_ERROR', file: s.uriFor('blocked/run.json') });
    await expect(s.put('blocked/manifest.json', '{}')).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/ENOTDIR/) });
  });

  it('rejects keys that escape the root', async () => {
    await expect(store().put('../evil', 'x')).rejects.toThrow(/invalid store key/);
  });
});

describe('openStore', () => {
  it('resolves relative file:// URIs against the base and parses s3:// URIs', () => {
    expect(openStore('file://./results', '/srv/exp').uri).toBe('file:///srv/exp/results');
    expect(openStore('s3://my-bucket/some/prefix?endpoint=http://127.0.0.1:9000').uri).toBe('s3://my-bucket/some/prefix');
    expect(() => openStore('s3://A_B/x')).toThrow(/bucket names/);
  });
});
