#!/usr/bin/env node
// The `swarmlab` command. Node >= 24 runs the TypeScript sources directly.
// Only the default export of node:module is imported statically: an older Node
// must get to the version check below, not fail to link a named export it lacks.
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const script = fileURLToPath(new URL('../scripts/ensure-node.sh', import.meta.url));
  process.stderr.write(`swarmlab: needs Node.js 24 or newer, this is ${process.version}; get it with: export PATH="$(bash ${script}):$PATH"\n`);
  process.exit(2);
}
// Caches stripped and compiled modules (in the OS temp dir): start-up, and each worker's, takes half the time.
nodeModule.enableCompileCache();
const { main } = await import('../runner/src/cli/main.ts');
process.exitCode = await main(process.argv);
