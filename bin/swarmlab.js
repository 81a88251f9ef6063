#!/usr/bin/env node
// The `swarmlab` command. Node >= 24 runs the TypeScript sources directly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`swarmlab needs Node.js 24 or newer (this is ${process.version}); see README.md\n`);
  process.exit(2);
}
const { main } = await import('../runner/src/cli/main.ts');
process.exitCode = await main(process.argv);
