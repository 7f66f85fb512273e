import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
