#!/usr/bin/env node
// The `swarmlab` command. Node >= 24 runs the TypeScript sources directly.
import { enableCompileCache } from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`swarmlab needs Node.js 24 or newer (this is ${process.version}); see README.md\n`);
  process.exit(2);
}
// Caches stripped and compiled modules (in the OS temp dir): start-up, and each worker's, takes half the time.
enableCompileCache();
const { main } = await import('../runner/src/cli/main.ts');
process.exitCode = await main(process.argv);
