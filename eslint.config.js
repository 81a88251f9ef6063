import tseslint from 'typescript-eslint';

// Determinism guard: the engine and the modules get time and randomness only
// from the scheduler and the seeded streams, never from the host.
const forbidHostTimeAndRandomness = {
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Use ctx.rng (a seeded stream) instead of Math.random.' },
    { object: 'Date', property: 'now', message: 'Logical time comes from the scheduler, not the wall clock.' },
    { object: 'performance', property: 'now', message: 'Logical time comes from the scheduler, not the wall clock.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date']", message: 'Logical time comes from the scheduler, not new Date().' },
    { selector: "CallExpression[callee.name='Date']", message: 'Logical time comes from the scheduler, not Date().' },
  ],
};

// The operator uses the runner only through its public face (runner/src/index.ts,
// the package's own export `swarmlab`), so the runner's internals can change.
const runnerPublicFaceOnly = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['**/runner/src/**', '!**/runner/src/index.ts', 'swarmlab/*'],
          message: "Import the runner through its public face: import { ... } from 'swarmlab' (runner/src/index.ts).",
        },
      ],
    },
  ],
};

// Built-in modules (and the shared libraries they use) are written as a third
// party's would be: against the SDK (`swarmlab/sdk`) and their own folder,
// never the runner's internals, so the SDK is enough to write any of them.
const sdkOnly = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'swarmlab', message: "A module imports the runner only through the SDK: import { ... } from 'swarmlab/sdk'." },
        { name: 'zod', message: "Import z from 'swarmlab/sdk', so a module's schemas use the runner's zod." },
      ],
      patterns: [
        {
          // 'swarmlab' itself is in paths: a pattern that matches it would hide the 'swarmlab/sdk' exception.
          group: ['swarmlab/*', '**/runner/src/**', '!swarmlab/sdk'],
          message: "A module imports the runner only through the SDK: import { ... } from 'swarmlab/sdk'.",
        },
        {
          // Up to the builtin folder is the module's own code; further up is the runner, except runner/src/lib.
          regex: '^(\\.\\./){2}(?!\\.\\./lib/)',
          message: "A module imports the runner only through the SDK: import { ... } from 'swarmlab/sdk'. Shared code lives in runner/src/lib.",
        },
      ],
    },
  ],
};

// The SDK sits below the engine, the outputs and module resolution, which
// import its types: it imports none of them back.
const sdkStandsAlone = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['../*', '!../rng', '!../rng/stream.ts', '!../spec', '!../spec/strict-object.ts', '!../errors.ts'],
          message: 'The SDK imports only its own files and leaf libraries (rng/stream, spec/strict-object, errors): the engine and resolution depend on it, not it on them.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'infra/node_modules/**', '**/dist/**', 'crds/**', 'charts/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['runner/src/engine/**/*.ts', 'runner/src/modules/**/*.ts', 'runner/src/rng/**/*.ts', 'runner/src/sdk/**/*.ts', 'runner/src/lib/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbidHostTimeAndRandomness,
  },
  {
    files: ['operator/**/*.ts'],
    rules: runnerPublicFaceOnly,
  },
  {
    files: ['runner/src/modules/builtin/**/*.ts', 'runner/src/lib/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: sdkOnly,
  },
  {
    // The example module packages are what a user copies: the SDK and their own files only, tests included.
    files: ['examples/plugins/**/*.ts'],
    rules: {
      ...forbidHostTimeAndRandomness,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'swarmlab', message: "A module package imports swarmlab only through the SDK: 'swarmlab/sdk' (and 'swarmlab/sdk/testing' in tests)." },
            { name: 'zod', message: "Import z from 'swarmlab/sdk', so a module's schemas use the runner's zod." },
          ],
          patterns: [{ group: ['../../*', '**/runner/src/**'], message: "A module package imports swarmlab only through 'swarmlab/sdk'." }],
        },
      ],
    },
  },
  {
    files: ['runner/src/sdk/**/*.ts'],
    ignores: ['**/*.test.ts', 'runner/src/sdk/testing.ts'],
    rules: sdkStandsAlone,
  },
);
