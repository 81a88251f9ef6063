import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
const oneClearLine = /^swarmlab: needs Node\.js 24 or newer, this is v\d+\.\d+\.\d+; get it with: export PATH="\$\(bash \/.*scripts\/ensure-node\.sh\):\$PATH"\n$/;

/** A Node older than 24 on this machine (the distribution's), if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (candidate === process.execPath || !existsSync(candidate)) continue;
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

describe('bin/swarmlab.js under a Node older than 24', () => {
  it('says in one line that Node 24 is needed and how to get it, and exits 2', () => {
    // This Node, reporting itself as 22: the check reads process.versions, not the binary.
    const fake = 'data:text/javascript,Object.defineProperty(process,"version",{value:"v22.1.0"});Object.defineProperty(process,"versions",{value:{...process.versions,node:"22.1.0"}})';
    const r = spawnSync(process.execPath, ['--import', fake, bin, 'plan', 'x.yaml'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(oneClearLine);
    expect(r.stderr).toContain('v22.1.0');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });

  it('a real older Node (the machine\'s, when it has one) gets the same line, not a SyntaxError', () => {
    const old = olderNode();
    // Without an older Node here, the case above is the whole check.
    if (old === undefined) return;
    const r = spawnSync(old, [bin, 'run', 'x.yaml'], { encoding: 'utf8' });
    expect(r.stderr).not.toContain('SyntaxError');
    expect(r.stderr).toMatch(oneClearLine);
    expect(r.status).toBe(2);
  });
});
