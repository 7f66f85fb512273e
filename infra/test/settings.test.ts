import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { settingsFromContext } from '../lib/context.ts';
import { DEFAULT_SETTINGS, InfraSettingsError, resolveSettings } from '../lib/settings.ts';
import { REPO_ROOT } from '../lib/auth-stack.ts';

const invalid = (field: string) => (e: unknown) =>
  e instanceof InfraSettingsError && e.code === 'INFRA_SETTING_INVALID' && e.field === field;

describe('settings', () => {
  test('GIVEN infra/README.md WHEN its settings table is read THEN it lists exactly the `-c` keys the app reads', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'infra', 'README.md'), 'utf8');
    const section = readme.split('## Settings (`-c key=value`)')[1]!.split('\n## ')[0]!;
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]!))
      .sort();
    const read = new Set<string>();
    settingsFromContext((key) => {
      read.add(key);
      return undefined;
    });
    assert.deepEqual(documented, [...read].sort());
  });

  test('GIVEN no input WHEN resolved THEN the defaults are the guide’s', () => {
    const s = resolveSettings();
    assert.deepEqual(s, DEFAULT_SETTINGS);
    assert.equal(s.database.instanceType, 't4g.micro');
    assert.equal(s.network.privateTasks, false);
    assert.equal(s.network.natGateways, 0);
    assert.equal(s.budget.limitUsd, undefined, 'derived from the cost estimate by buildApp');
    assert.equal(s.backend.cpuArchitecture, 'arm64');
    assert.equal(s.backend.healthCheckPath, '/health/live');
    assert.equal(s.backend.apiPath, '/api');
    assert.equal(s.auth.userPasswordAuth, true);
    assert.deepEqual(s.auth.callbackUrls, []);
  });

  test('GIVEN context strings from `cdk -c` WHEN read THEN they become typed settings', () => {
    const ctx: Record<string, string> = {
      region: 'eu-west-1',
      privateTasks: 'true',
      natGateways: '1',
      dbInstanceType: 'db.t3.micro',
      publicImages: 'cloudfront',
      corsOrigins: 'https://a.example.com, https://b.example.com',
      cpuArchitecture: 'x86_64',
      apiPath: '/backend',
      dbMultiAz: 'true',
      dbMaxAllocatedStorageGiB: '200',
      callbackUrls: 'https://app.example.com/callback',
      userPasswordAuth: 'false',
      sesFromEmail: 'no-reply@example.com',
      alertEmail: 'oncall@example.com',
      domainName: 'app.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      workerCommand: 'node dist/worker.js --poll 10',
      budgetEmail: 'ops@example.com',
      migrateUserTrigger: 'false',
    };
    const s = settingsFromContext((k) => ctx[k]);
    assert.equal(s.region, 'eu-west-1');
    assert.equal(s.account, undefined);
    assert.deepEqual(s.network, { ...DEFAULT_SETTINGS.network, privateTasks: true, natGateways: 1 });
    assert.equal(s.database.instanceType, 't3.micro');
    assert.equal(s.storage.publicImages, 'cloudfront');
    assert.deepEqual(s.storage.corsAllowedOrigins, ['https://a.example.com', 'https://b.example.com']);
    assert.equal(s.backend.cpuArchitecture, 'x86_64');
    assert.equal(s.backend.apiPath, '/backend');
    assert.equal(s.database.multiAz, true);
    assert.equal(s.database.maxAllocatedStorageGiB, 200);
    assert.deepEqual(s.auth.callbackUrls, ['https://app.example.com/callback']);
    assert.equal(s.auth.userPasswordAuth, false);
    assert.equal(s.auth.sesFromEmail, 'no-reply@example.com');
    assert.equal(s.monitoring.email, 'oncall@example.com');
    assert.equal(s.frontend.domainName, 'app.example.com');
    assert.deepEqual(s.backend.workerCommand, ['node', 'dist/worker.js', '--poll', '10']);
    assert.equal(s.budget.email, 'ops@example.com');
    assert.equal(s.auth.migrateUserTrigger, false);
  });

  test('GIVEN a NAT gateway without private tasks WHEN resolved THEN it is refused (it would cost ~$33/month for nothing)', () => {
    assert.throws(() => resolveSettings({ network: { natGateways: 1 } }), invalid('network.natGateways'));
  });

  test('GIVEN values AWS would reject at deploy time WHEN resolved THEN each is refused with its field', () => {
    assert.throws(
      () => resolveSettings({ storage: { videosBucketName: 'Bad_Name' } }),
      invalid('storage.videosBucketName'),
    );
    assert.throws(
      () => resolveSettings({ database: { instanceType: 'db.t4g.micro' } }),
      invalid('database.instanceType'),
    );
    assert.throws(
      () => resolveSettings({ database: { allocatedStorageGiB: 10 } }),
      invalid('database.allocatedStorageGiB'),
    );
    assert.throws(
      () => resolveSettings({ auth: { passwordMinLength: 4 } }),
      invalid('auth.passwordMinLength'),
    );
    assert.throws(
      () => resolveSettings({ auth: { migrateUserConcurrency: 0 } }),
      invalid('auth.migrateUserConcurrency'),
    );
    assert.throws(
      () => resolveSettings({ monitoring: { maxMigrateUserRefusals: 0.5 } }),
      invalid('monitoring.maxMigrateUserRefusals'),
    );
    assert.throws(
      () => resolveSettings({ frontend: { certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' } }),
      invalid('frontend.certificateArn'),
    );
    assert.throws(
      () =>
        resolveSettings({
          frontend: {
            domainName: 'app.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:1:certificate/x',
          },
        }),
      invalid('frontend.certificateArn'),
    );
    assert.throws(
      () => resolveSettings({ region: 'eu-west-1', frontend: { domainName: 'app.example.com' } }),
      invalid('frontend.domainName'),
    );
    assert.throws(() => resolveSettings({ backend: { apiPath: 'api/*' } }), invalid('backend.apiPath'));
    assert.throws(
      () => resolveSettings({ database: { maxAllocatedStorageGiB: 20 } }),
      invalid('database.maxAllocatedStorageGiB'),
    );
    assert.throws(
      () => resolveSettings({ database: { appUsername: 'postgres' } }),
      invalid('database.appUsername'),
    );
    assert.throws(
      () => resolveSettings({ auth: { sesFromEmail: 'no-reply@example.com' } }),
      invalid('auth.sesRegion'),
    );
    assert.throws(
      () => resolveSettings({ backend: { appSecretKeys: ['NOT-AN-ENV'] } }),
      invalid('backend.appSecretKeys'),
    );
    assert.throws(() => resolveSettings({ budget: { email: 'nobody' } }), invalid('budget.email'));
    assert.throws(
      () => settingsFromContext((k) => (k === 'privateTasks' ? 'yes' : undefined)),
      invalid('privateTasks'),
    );
  });
});
