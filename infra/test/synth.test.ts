import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Stack } from 'aws-cdk-lib';
import { CONFIGURATIONS, PHASES, synth } from './helpers.ts';

const INFRA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CDK = path.resolve(INFRA, '..', 'node_modules', '.bin', 'cdk');

describe('synth', () => {
  for (const [name, input] of Object.entries(CONFIGURATIONS)) {
    describe(`GIVEN ${name}`, () => {
      const s = synth(input);

      test('WHEN synthesised THEN all nine stacks produce templates, named <prefix>-<Phase>', () => {
        for (const phase of PHASES) {
          const template = s.template(phase).toJSON() as { Resources: Record<string, unknown> };
          assert.ok(Object.keys(template.Resources).length > 0, phase);
          assert.equal(s.stacks[phase].stackName, `Aiuteur-${phase[0]!.toUpperCase()}${phase.slice(1)}`);
        }
      });

      test('WHEN synthesised THEN every stack is environment-agnostic and needed no context lookup', () => {
        for (const phase of PHASES) {
          assert.equal(s.stacks[phase].environment, 'aws://unknown-account/unknown-region', phase);
        }
        assert.equal(
          s.assembly.manifest.missing,
          undefined,
          'no lookup (VPC, AZ, hosted zone...) was requested',
        );
      });
    });
  }

  test('GIVEN stacks wired by props WHEN synthesised THEN each depends only on the stacks it takes values from', () => {
    const { stacks } = synth();
    const deps = (stack: Stack) => stack.dependencies.map((d) => d.stackName).sort();
    assert.deepEqual(deps(stacks.network), []);
    assert.deepEqual(deps(stacks.storage), []);
    assert.deepEqual(deps(stacks.database), ['Aiuteur-Network']);
    assert.deepEqual(deps(stacks.auth), ['Aiuteur-Database', 'Aiuteur-Network']);
    assert.deepEqual(deps(stacks.backend), [
      'Aiuteur-Auth',
      'Aiuteur-Database',
      'Aiuteur-Network',
      'Aiuteur-Storage',
    ]);
    assert.deepEqual(deps(stacks.migration), [
      'Aiuteur-Auth',
      'Aiuteur-Database',
      'Aiuteur-Network',
      'Aiuteur-Storage',
    ]);
    // CloudFront routes the API path to the backend's load balancer: the backend comes first.
    assert.deepEqual(deps(stacks.frontend), ['Aiuteur-Backend', 'Aiuteur-Storage']);
    assert.deepEqual(deps(stacks.monitoring), ['Aiuteur-Auth', 'Aiuteur-Backend', 'Aiuteur-Database']);
    assert.deepEqual(deps(stacks.budget), []);
  });

  test('GIVEN an account and region in the settings WHEN synthesised THEN the stacks are pinned to them', () => {
    const { stacks } = synth({ account: '123456789012', region: 'eu-west-1', stackPrefix: 'Acme' });
    assert.equal(stacks.network.environment, 'aws://123456789012/eu-west-1');
    assert.equal(stacks.budget.stackName, 'Acme-Budget');
  });

  describe('GIVEN the real app (bin/app.ts) and the cdk CLI, with no AWS credentials and no network', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-cdk-synth-'));
    after(() => rmSync(out, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: out,
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_CONFIG_FILE: path.join(out, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(out, 'no-aws-credentials'),
    };
    const args = [
      CDK,
      'synth',
      '--quiet',
      '--no-notices',
      '-o',
      out,
      '-c',
      'budgetEmail=ops@example.com',
      '-c',
      'cpuArchitecture=x86_64',
    ];
    // Root on Linux can cut the network off entirely; elsewhere the missing credentials are the proof.
    const offline = spawnSync('unshare', ['-n', 'true']).status === 0;
    const run = offline
      ? spawnSync('unshare', ['-n', ...args], { cwd: INFRA, env, encoding: 'utf8', timeout: 120_000 })
      : spawnSync(args[0]!, args.slice(1), { cwd: INFRA, env, encoding: 'utf8', timeout: 120_000 });

    test('WHEN `cdk synth` runs THEN it succeeds and writes all nine templates', () => {
      assert.equal(run.status, 0, `cdk synth failed:\n${run.stderr}`);
      for (const phase of PHASES) {
        const name = `Aiuteur-${phase[0]!.toUpperCase()}${phase.slice(1)}`;
        assert.ok(existsSync(path.join(out, `${name}.template.json`)), name);
      }
    });

    test('WHEN `cdk synth` runs THEN the migrate-user handler is bundled by the local esbuild and the images are only staged (Docker builds them at deploy)', () => {
      const assets = readdirSync(out).filter((f) => f.startsWith('asset.'));
      const bundles = assets
        .map((dir) => path.join(out, dir, 'index.js'))
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file, 'utf8'));
      assert.ok(
        bundles.some((code) => code.includes('UserMigration_Authentication')),
        'a bundle of src/auth/migrate-user/handler.ts',
      );
      assert.doesNotMatch(run.stderr, /docker/i);
    });

    test('WHEN context is given on the command line THEN the templates follow it', () => {
      const backend = readFileSync(path.join(out, 'Aiuteur-Backend.template.json'), 'utf8');
      assert.match(backend, /"CpuArchitecture": "X86_64"/);
      const migration = readFileSync(path.join(out, 'Aiuteur-Migration.template.json'), 'utf8');
      assert.match(migration, /"CpuArchitecture": "X86_64"/);
      const budget = readFileSync(path.join(out, 'Aiuteur-Budget.template.json'), 'utf8');
      assert.match(budget, /ops@example\.com/);
    });
  });
});
