import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settingsFromContext } from '../lib/context.ts';
import { DEFAULT_SETTINGS, InfraSettingsError, resolveSettings } from '../lib/settings.ts';

const invalid = (field: string) => (e: unknown) =>
  e instanceof InfraSettingsError && e.code === 'INFRA_SETTING_INVALID' && e.field === field;

describe('settings', () => {
  test('GIVEN no input WHEN resolved THEN the defaults are the guide’s', () => {
    const s = resolveSettings();
    assert.deepEqual(s, DEFAULT_SETTINGS);
    assert.equal(s.database.instanceType, 't4g.micro');
    assert.equal(s.network.privateTasks, false);
    assert.equal(s.network.natGateways, 0);
    assert.equal(s.budget.limitUsd, 50);
  });

  test('GIVEN context strings from `cdk -c` WHEN read THEN they become typed settings', () => {
    const ctx: Record<string, string> = {
      region: 'eu-west-1',
      privateTasks: 'true',
      natGateways: '1',
      dbInstanceType: 'db.t3.micro',
      publicImages: 'cloudfront',
      corsOrigins: 'https://a.example.com, https://b.example.com',
      imageTag: 'v7',
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
    assert.equal(s.backend.imageTag, 'v7');
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
      () => resolveSettings({ backend: { certificateArn: 'arn:aws:acm:x' } }),
      invalid('backend.certificateArn'),
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
