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
    files: ['runner/src/engine/**/*.ts', 'runner/src/modules/**/*.ts', 'runner/src/rng/**/*.ts', 'runner/src/models/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbidHostTimeAndRandomness,
  },
  {
    files: ['operator/**/*.ts'],
    rules: runnerPublicFaceOnly,
  },
);
