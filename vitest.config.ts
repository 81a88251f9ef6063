import { defineConfig } from 'vitest/config';

// Two tiers. `unit` is pure logic with no external processes. `integration`
// runs against a real kube-apiserver, etcd, kube-controller-manager and MinIO
// started by test/cluster/global-setup.ts.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['runner/**/*.test.ts', 'operator/**/*.test.ts', 'scripts/**/*.test.ts', 'test/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
