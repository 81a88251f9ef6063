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
// The commands that execute runs (`swarmlab run`, and `run-index` in a Job's pod) start again, as
// the same process (execve), with a small young generation (runner/src/run/young-generation.ts):
// V8 sizes it only at start-up. Executing the runs here, started again, costs one Node start-up;
// executing them in a worker with the flag would load the runner twice and send the results
// between processes (docs/benchmarks.md, issue 15 part 4).
if ((process.argv[2] === 'run' || process.argv[2] === 'run-index') && typeof process.execve === 'function') {
  const { YOUNG_GENERATION_FLAG, youngGenerationSet } = await import('../runner/src/run/young-generation.ts');
  if (!youngGenerationSet(process.execArgv, process.env.NODE_OPTIONS)) {
    process.execve(process.execPath, [process.execPath, YOUNG_GENERATION_FLAG, ...process.execArgv, ...process.argv.slice(1)], process.env);
  }
}
// Caches stripped and compiled modules (in the OS temp dir): start-up, and each worker's, takes half the time.
nodeModule.enableCompileCache();
const { main } = await import('../runner/src/cli/main.ts');
process.exitCode = await main(process.argv);
