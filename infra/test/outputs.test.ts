import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.ts';
import {
  configFromStackOutputs,
  stackOutputsSummary,
  StackOutputsError,
  TARGET_DB_PASSWORD_ENV,
  type StackOutputs,
} from '../../src/core/stack-outputs/config-from-outputs.ts';
import { OUTPUT_KEYS, OUTPUTS_BY_STACK } from '../../src/core/stack-outputs/output-keys.ts';
import { CONFIGURATIONS, PHASES, synth } from './helpers.ts';

/** What `cdk deploy --all --outputs-file outputs.json` writes for the default app (values as AWS returns them). */
const OUTPUTS: StackOutputs = {
  'Aiuteur-Network': { VpcId: 'vpc-0abc', Region: 'eu-west-1' },
  'Aiuteur-Storage': {
    VideosBucketName: 'aiuteur-videos',
    ImagesBucketName: 'aiuteur-images',
    AssetImagesBucketName: 'aiuteur-asset-images',
    ImagesPublicBaseUrl: 'https://aiuteur-images.s3.eu-west-1.amazonaws.com',
    AssetImagesPublicBaseUrl: 'https://aiuteur-asset-images.s3.eu-west-1.amazonaws.com',
    PublicImagesMode: 'bucket-policy',
    Region: 'eu-west-1',
  },
  'Aiuteur-Database': {
    DbEndpoint: 'aiuteur.abc123xyz.eu-west-1.rds.amazonaws.com',
    DbPort: '5432',
    DbName: 'aiuteur',
    DbUsername: 'postgres',
    DbSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MasterSecret-AbCdEf',
    Region: 'eu-west-1',
  },
  'Aiuteur-Auth': {
    UserPoolId: 'eu-west-1_AbCdEf123',
    UserPoolClientId: '1example23456789',
    CognitoIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    MigrateUserFunctionName: 'Aiuteur-Auth-MigrateUser',
    Region: 'eu-west-1',
  },
  'Aiuteur-Backend': {
    AlbUrl: 'http://Aiute-Alb-123.eu-west-1.elb.amazonaws.com',
    EcrRepositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/aiuteur-backend',
    ClusterName: 'Aiuteur-Backend-Cluster',
    ApiServiceName: 'api',
    WorkerServiceName: 'worker',
    AppSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AppSecret-XyZ',
    Region: 'eu-west-1',
  },
  'Aiuteur-Frontend': {
    CloudFrontUrl: 'https://d1234abcd.cloudfront.net',
    SpaBucketName: 'aiuteur-frontend-spa-1',
    DistributionId: 'E2EXAMPLE',
    Region: 'eu-west-1',
  },
  'Aiuteur-Budget': { BudgetName: 'aiuteur-monthly' },
};

describe('stack outputs', () => {
  for (const [name, input] of Object.entries(CONFIGURATIONS)) {
    test(`GIVEN ${name} WHEN synthesised THEN every stack writes the outputs outputs.ts documents`, () => {
      const s = synth(input);
      for (const phase of PHASES) {
        const outputs = Object.keys(s.template(phase).findOutputs('*'));
        for (const key of OUTPUTS_BY_STACK[phase]) assert.ok(outputs.includes(key), `${phase} writes ${key}`);
        // ExportsOutput* are CDK's cross-stack references between the phases, not part of the contract.
        for (const key of outputs.filter((k) => !k.startsWith('ExportsOutput'))) {
          assert.ok(
            (Object.values(OUTPUT_KEYS) as string[]).includes(key),
            `${phase}'s ${key} is documented in outputs.ts`,
          );
        }
      }
    });
  }

  test('GIVEN the default settings WHEN synthesised THEN the stacks write the values supa2aws reads', () => {
    const s = synth();
    s.template('storage').hasOutput(OUTPUT_KEYS.publicImagesMode, { Value: 'bucket-policy' });
    s.template('database').hasOutput(OUTPUT_KEYS.dbUsername, { Value: 'postgres' });
    s.template('database').hasOutput(OUTPUT_KEYS.dbName, { Value: 'aiuteur' });
    s.template('auth').hasOutput(OUTPUT_KEYS.region, { Value: { Ref: 'AWS::Region' } });
  });
});

describe('configFromStackOutputs', () => {
  test('GIVEN the outputs of every stack WHEN mapped THEN region, S3, Cognito, the DB URL and buckets are filled', () => {
    const config = configFromStackOutputs(OUTPUTS);
    assert.deepEqual(config, {
      target: {
        region: 'eu-west-1',
        db: {
          url: `postgresql://postgres:\${${TARGET_DB_PASSWORD_ENV}}@aiuteur.abc123xyz.eu-west-1.rds.amazonaws.com:5432/aiuteur?sslmode=verify-full`,
        },
        s3: { region: 'eu-west-1' },
        cognito: { region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789' },
      },
      storage: {
        buckets: {
          videos: { target: 'aiuteur-videos', access: 'private' },
          images: {
            target: 'aiuteur-images',
            access: 'public-read',
            publicBaseUrl: 'https://aiuteur-images.s3.eu-west-1.amazonaws.com',
          },
          'asset-images': {
            target: 'aiuteur-asset-images',
            access: 'public-read',
            publicBaseUrl: 'https://aiuteur-asset-images.s3.eu-west-1.amazonaws.com',
          },
        },
      },
    });
  });

  test('GIVEN the mapped config merged over a source section WHEN validated by the supa2aws schema THEN it is accepted', () => {
    const partial = configFromStackOutputs(OUTPUTS);
    const result = configSchema.safeParse({
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnop.supabase.co',
        db: {
          url: 'postgresql://postgres:${SUPA2AWS_SOURCE_DB_PASSWORD}@db.abcdefghijklmnop.supabase.co:5432/postgres',
        },
        storage: {
          endpoint: 'https://abcdefghijklmnop.storage.supabase.co/storage/v1/s3',
          region: 'eu-west-1',
        },
      },
      target: partial.target,
      storage: partial.storage,
    });
    assert.equal(result.success, true, result.success ? '' : JSON.stringify(result.error.issues));
  });

  test('GIVEN the outputs WHEN summarised THEN the secret ARN and the URLs the guide needs are there', () => {
    const summary = stackOutputsSummary(OUTPUTS);
    assert.equal(summary.DbSecretArn, OUTPUTS['Aiuteur-Database']!.DbSecretArn);
    assert.equal(summary.AlbUrl, 'http://Aiute-Alb-123.eu-west-1.elb.amazonaws.com');
    assert.equal(summary.CloudFrontUrl, 'https://d1234abcd.cloudfront.net');
  });

  test('GIVEN only the auth stack was deployed WHEN mapped THEN only Cognito (and the region) are filled', () => {
    const config = configFromStackOutputs({
      'Aiuteur-Auth': { UserPoolId: 'us-east-2_Zz9', UserPoolClientId: 'client1' },
    });
    assert.deepEqual(config, {
      target: { cognito: { region: 'us-east-2', userPoolId: 'us-east-2_Zz9', clientId: 'client1' } },
    });
  });

  test('GIVEN custom source bucket ids and password variable WHEN mapped THEN they are used', () => {
    const config = configFromStackOutputs(OUTPUTS, {
      sourceBuckets: { assetImages: 'assets' },
      dbPasswordEnv: 'RDS_PASSWORD',
    });
    assert.ok(config.storage!.buckets.assets);
    assert.match(config.target!.db!.url, /:\$\{RDS_PASSWORD\}@/);
  });

  test('GIVEN two deployments in one file WHEN mapped without a prefix THEN it refuses to guess', () => {
    const both = { ...OUTPUTS, 'Staging-Auth': { UserPoolId: 'eu-west-1_Other', UserPoolClientId: 'c2' } };
    assert.throws(
      () => configFromStackOutputs(both),
      (e: unknown) => e instanceof StackOutputsError && e.code === 'STACK_OUTPUTS_AMBIGUOUS',
    );
    assert.equal(
      configFromStackOutputs(both, { stackPrefix: 'Staging' }).target!.cognito!.userPoolId,
      'eu-west-1_Other',
    );
  });

  test('GIVEN a file without any known output or not an object WHEN mapped THEN it fails with a code', () => {
    assert.throws(
      () => configFromStackOutputs({ Other: { Foo: 'bar' } }),
      (e: unknown) => e instanceof StackOutputsError && e.code === 'STACK_OUTPUTS_EMPTY',
    );
    assert.throws(
      () => configFromStackOutputs([] as unknown as StackOutputs),
      (e: unknown) => e instanceof StackOutputsError && e.code === 'STACK_OUTPUTS_INVALID',
    );
  });

  test('GIVEN the CLI loads config-from-outputs.ts WHEN its imports are read THEN no CDK module is pulled in', () => {
    for (const file of ['config-from-outputs.ts', 'output-keys.ts']) {
      const source = readFileSync(
        fileURLToPath(new URL(`../../src/core/stack-outputs/${file}`, import.meta.url)),
        'utf8',
      );
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      assert.deepEqual(
        imports.filter((i) => i !== './output-keys.ts'),
        [],
        `${file} imports only ./output-keys.ts`,
      );
    }
  });
});
