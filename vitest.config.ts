import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Module packages outside the runner's package (examples/plugins) import the
// SDK by its package name; the runner provides it, as plugins-host does at run time.
const sdk = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const hostSdk = [
  { find: /^swarmlab\/sdk$/, replacement: sdk('./runner/src/sdk/index.ts') },
  { find: /^swarmlab\/sdk\/testing$/, replacement: sdk('./runner/src/sdk/testing.ts') },
];

// Two tiers. `unit` is pure logic with no external processes. `integration`
// runs against a real kube-apiserver, etcd, kube-controller-manager and MinIO
// started by test/cluster/global-setup.ts.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    // Project-level option in name only: vitest reads it from the root config.
    teardownTimeout: 60_000,
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        test: {
          name: 'unit',
          alias: hostSdk,
          include: ['examples/plugins/*/src/**/*.test.ts', 'examples/plugins/*/test/**/*.test.ts', 'runner/**/*.test.ts', 'bench/**/*.test.ts', 'operator/**/*.test.ts', 'scripts/**/*.test.ts', 'test/unit/**/*.test.ts', 'infra/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          // Statistical and CLI tests spawn real work; a loaded 2-core CI machine needs headroom.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts'],
          // After unit, so a broken build fails fast before the cluster starts.
          sequence: { groupOrder: 1 },
          // Real containers on a 2-core machine shared with other work: a small
          // sweep's Job takes tens of seconds, a minute or more under load.
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
