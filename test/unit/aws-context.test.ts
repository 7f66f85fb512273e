import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveAwsContext, awsCredentialHint } from '../../src/core/aws/aws-context.ts';
import { loadConfig } from '../../src/config/index.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function awsFiles(): NodeJS.ProcessEnv {
  const dir = tempDir('aws-');
  const config = path.join(dir, 'config');
  const credentials = path.join(dir, 'credentials');
  writeFileSync(
    config,
    [
      '[default]',
      'region = us-west-2',
      '',
      '[profile eu]',
      'region=eu-central-1 ; Frankfurt',
      '',
      '[profile sso-only]',
      'sso_session = corp',
      '',
      '[sso-session corp]',
      'region = us-east-2',
    ].join('\n'),
  );
  writeFileSync(credentials, '[keys-only]\naws_access_key_id = AKIAEXAMPLE\n');
  return { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
}

describe('AWS region precedence: --region > AWS_REGION > AWS_DEFAULT_REGION > profile > config', () => {
  const files = awsFiles();
  const cases: Array<{
    name: string;
    input: Parameters<typeof resolveAwsContext>[0];
    region: string | undefined;
    from: string | undefined;
  }> = [
    {
      name: '--region wins over everything',
      input: {
        region: 'ap-southeast-2',
        configRegion: 'eu-west-1',
        env: { ...files, AWS_REGION: 'us-east-1' },
      },
      region: 'ap-southeast-2',
      from: '--region',
    },
    {
      name: 'AWS_REGION over AWS_DEFAULT_REGION',
      input: { env: { ...files, AWS_REGION: 'eu-north-1', AWS_DEFAULT_REGION: 'eu-west-3' } },
      region: 'eu-north-1',
      from: 'AWS_REGION',
    },
    {
      name: 'AWS_DEFAULT_REGION over the profile',
      input: { profile: 'eu', env: { ...files, AWS_DEFAULT_REGION: 'eu-west-3' } },
      region: 'eu-west-3',
      from: 'AWS_DEFAULT_REGION',
    },
    {
      name: "--profile's region over the config",
      input: { profile: 'eu', configRegion: 'eu-west-1', env: files },
      region: 'eu-central-1',
      from: `profile eu (${files.AWS_CONFIG_FILE})`,
    },
    {
      name: "AWS_PROFILE's region",
      input: { env: { ...files, AWS_PROFILE: 'eu' } },
      region: 'eu-central-1',
      from: `profile eu (${files.AWS_CONFIG_FILE})`,
    },
    {
      name: 'the default profile when none is named',
      input: { configRegion: 'eu-west-1', env: files },
      region: 'us-west-2',
      from: `profile default (${files.AWS_CONFIG_FILE})`,
    },
    {
      name: 'the config when the profile has no region (an sso-session section is not a profile)',
      input: { profile: 'sso-only', configRegion: 'eu-west-1', env: files },
      region: 'eu-west-1',
      from: 'config target.region',
    },
    {
      name: 'nothing at all',
      input: { env: { HOME: tempDir('empty-home-') } },
      region: undefined,
      from: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const context = resolveAwsContext(c.input);
      assert.equal(context.region, c.region);
      assert.equal(context.regionFrom, c.from);
    });
  }

  it('a profile only in the credentials file is known; --profile wins over AWS_PROFILE', () => {
    const context = resolveAwsContext({ profile: 'keys-only', env: { ...files, AWS_PROFILE: 'eu' } });
    assert.equal(context.profile, 'keys-only');
    assert.equal(context.profileFrom, '--profile');
    assert.match(context.chain, /keys-only/);
  });

  it('an unknown profile is AWS_PROFILE_NOT_FOUND (exit 2) listing the profiles found', () => {
    assert.throws(
      () => resolveAwsContext({ env: { ...files, AWS_PROFILE: 'prod' } }),
      (e: unknown) =>
        isSupa2awsError(e) &&
        e.code === 'AWS_PROFILE_NOT_FOUND' &&
        e.exitCode === 2 &&
        /default, eu, sso-only, keys-only/.test(e.hint ?? ''),
    );
  });

  it('a region typo is AWS_REGION_INVALID naming the closest region and where it came from', () => {
    for (const [typo, near] of [
      ['eu-wset-1', 'eu-west-1'],
      ['us-east1', 'us-east-1'],
      ['EU-WEST-1', 'eu-west-1'],
    ] as const) {
      assert.throws(
        () => resolveAwsContext({ region: typo, env: files }),
        (e: unknown) =>
          isSupa2awsError(e) &&
          e.code === 'AWS_REGION_INVALID' &&
          e.hint?.includes(near) === true &&
          e.message.includes('--region'),
        typo,
      );
    }
    assert.equal(resolveAwsContext({ region: 'ap-southeast-9', env: files }).region, 'ap-southeast-9');
  });

  it('the credential hint names the chain that was tried, not Supabase keys', () => {
    const hint = awsCredentialHint('missing', { ...files, AWS_PROFILE: 'eu' });
    assert.match(hint, /profile eu/);
    assert.match(hint, /aws sso login --profile eu/);
    assert.doesNotMatch(hint, /Supabase/);
  });
});

describe('loadConfig and the region', () => {
  it('GIVEN AWS_REGION and a config without client regions THEN target.region and every client inherit it', async () => {
    const dir = tempDir('cfg-');
    const file = path.join(dir, 'supa2aws.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        source: {
          projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
          db: { url: 'postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres' },
          storage: { endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3' },
        },
        target: {
          region: 'us-east-1',
          db: { url: 'postgresql://postgres:pw@x.abc.eu-west-1.rds.amazonaws.com:5432/app' },
          s3: {},
          cognito: { userPoolId: 'eu-west-1_AbC', clientId: 'c' },
        },
      }),
    );
    const loaded = await loadConfig({ file, env: { ...awsFiles(), AWS_REGION: 'eu-west-1' } });
    assert.equal(loaded.config.target.region, 'eu-west-1');
    assert.equal(loaded.config.target.s3.region, 'eu-west-1');
    assert.equal(loaded.config.target.cognito?.region, 'eu-west-1');
    assert.equal(loaded.aws.regionFrom, 'AWS_REGION');
    const flagged = await loadConfig({ file, region: 'eu-north-1', env: awsFiles() });
    assert.equal(flagged.config.target.s3.region, 'eu-north-1');
  });
});
