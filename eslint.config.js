import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * src/core is the bottom layer: the phases, the CLI, the demo and the config composed from the phases'
 * sections all build on it, so an import leaving src/core is an error. One block per folder depth, since a
 * relative path leaves src/core after as many `../` as the file is deep in it.
 */
const coreStaysBelow = [1, 2, 3].map((depth) => ({
  files: [`src/core/${'*/'.repeat(depth - 1)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./){${depth}}`,
            message:
              'src/core must not import from above it (phases, cli, demo, src/config...): move what it needs into src/core, or pass it in.',
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'test/fixtures/codebases/',
      '.scratch/',
      'node_modules/',
      'dist/',
      '**/dist/',
      '**/cdk.out/',
      'coverage/',
      '.sandbox/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  ...coreStaysBelow,
  {
    // The runtime is what an app installs: it imports its own files and its dependencies, never the CLI.
    files: ['packages/runtime/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(src|test|scripts|bench|fixtures|examples|infra)(/|$)',
              message:
                'packages/runtime must not import the repository: move what it needs into the package.',
            },
            {
              regex: '^supa2aws(/|$)',
              message: 'packages/runtime must not import the supa2aws CLI package.',
            },
          ],
        },
      ],
    },
  },
);
