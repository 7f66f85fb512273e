import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { createMigrateUserHandler, type MigrateUserLogEntry } from '../../src/auth/migrate-user/handler.ts';
import { checkPool } from '../../src/auth/pool-checks.ts';
import { LAMBDA_AMAZON_CA_FILE, MIGRATE_USER_REFUSAL_PATTERN } from '../lib/auth-stack.ts';
import { logicalId, synth } from './helpers.ts';

describe('auth stack', () => {
  describe('GIVEN the default settings', () => {
    const s = synth();
    const t = s.template('auth');
    const pool = Object.values(t.findResources('AWS::Cognito::UserPool'))[0]!.Properties;
    const client = Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;

    test('WHEN synthesised THEN the pool is case-insensitive and signs in by email', () => {
      assert.deepEqual(pool.UsernameConfiguration, { CaseSensitive: false });
      assert.deepEqual(pool.UsernameAttributes, ['email']);
      assert.equal(pool.UserPoolName, 'aiuteur-users');
    });

    test('WHEN synthesised THEN emails are verified by code and the password policy is no stricter than Supabase', () => {
      assert.deepEqual(pool.AutoVerifiedAttributes, ['email']);
      assert.equal(pool.VerificationMessageTemplate.DefaultEmailOption, 'CONFIRM_WITH_CODE');
      assert.deepEqual(pool.Policies.PasswordPolicy, {
        MinimumLength: 6,
        RequireLowercase: false,
        RequireUppercase: false,
        RequireNumbers: false,
        RequireSymbols: false,
        TemporaryPasswordValidityDays: 7,
      });
    });

    test('WHEN synthesised THEN the Supabase UUID has an immutable custom attribute', () => {
      const attr = (pool.Schema as { Name: string }[]).find((a) => a.Name === 'supabase_id');
      assert.deepEqual(attr, {
        Name: 'supabase_id',
        AttributeDataType: 'String',
        Mutable: false,
        StringAttributeConstraints: { MinLength: '36', MaxLength: '36' },
      });
    });

    test('WHEN synthesised THEN the client has OAuth off (no implicit flow, no example.com callback) and Cognito sends mail itself', () => {
      assert.equal(client.AllowedOAuthFlows, undefined);
      assert.equal(client.AllowedOAuthFlowsUserPoolClient, false);
      assert.equal(client.CallbackURLs, undefined);
      assert.equal(pool.EmailConfiguration, undefined);
    });

    test('WHEN synthesised THEN the SPA client has no secret and allows USER_PASSWORD_AUTH and SRP', () => {
      assert.equal(client.GenerateSecret, false);
      for (const flow of ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']) {
        assert.ok(client.ExplicitAuthFlows.includes(flow), flow);
      }
      assert.ok(!client.ExplicitAuthFlows.includes('ALLOW_ADMIN_USER_PASSWORD_AUTH'));
      assert.equal(client.PreventUserExistenceErrors, 'ENABLED');
    });

    test('WHEN synthesised THEN the client may read but never write custom:supabase_id', () => {
      assert.ok(client.ReadAttributes.includes('custom:supabase_id'));
      assert.ok(client.WriteAttributes.includes('email'));
      assert.ok(!client.WriteAttributes.includes('custom:supabase_id'));
    });

    test('WHEN synthesised THEN the migrate-user Lambda is attached as the UserMigration trigger', () => {
      const fn = logicalId(s.stacks.auth.migrateUser!);
      assert.deepEqual(pool.LambdaConfig, { UserMigration: { 'Fn::GetAtt': [fn, 'Arn'] } });
      t.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(s.stacks.auth.userPool), 'Arn'] },
      });
    });

    test('WHEN synthesised THEN the Lambda reads its own supa2aws_migrate_user secret (never the master), verifies TLS and runs in the isolated subnets', () => {
      const fn = t.findResources('AWS::Lambda::Function')[logicalId(s.stacks.auth.migrateUser!)]!.Properties;
      const secretImport = Match.stringLikeRegexp('Aiuteur-Database:ExportsOutputRefMigrateUserSecret');
      assert.doesNotMatch(JSON.stringify(t.toJSON()), /MasterSecret/);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            LEGACY_DB_SECRET_ARN: { 'Fn::ImportValue': secretImport },
            LEGACY_DB_SSL: 'verify-full',
            LEGACY_DB_CA_FILE: LAMBDA_AMAZON_CA_FILE,
            LEGACY_SCHEMA: 'supa2aws_legacy_auth',
            USER_ID_ATTRIBUTE: 'custom:supabase_id',
          },
        },
      });
      assert.equal(fn.Timeout, 5, 'Cognito waits 5 s for a trigger');
      for (const subnet of fn.VpcConfig.SubnetIds)
        assert.match(subnet['Fn::ImportValue'], /VpcisolatedSubnet\d/);
      assert.equal(fn.VpcConfig.SecurityGroupIds.length, 1);
      assert.match(
        fn.VpcConfig.SecurityGroupIds[0]['Fn::ImportValue'],
        new RegExp(`^Aiuteur-Network:.*GetAtt${logicalId(s.stacks.network.migrateUserSecurityGroup)}GroupId`),
      );
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
              Effect: 'Allow',
              Resource: { 'Fn::ImportValue': secretImport },
            }),
          ]),
        },
      });
    });

    test('WHEN synthesised THEN the migrate-user Lambda has a reserved concurrency of 10 (a global bound on password checks)', () => {
      const fn = t.findResources('AWS::Lambda::Function')[logicalId(s.stacks.auth.migrateUser!)]!.Properties;
      assert.equal(fn.ReservedConcurrentExecutions, 10);
    });

    test('WHEN synthesised THEN a metric filter on its log group counts refusal lines that carry a userRef', () => {
      const filters = Object.values(t.findResources('AWS::Logs::MetricFilter')).map((r) => r.Properties);
      assert.equal(filters.length, 1);
      const [filter] = filters;
      assert.equal(filter.FilterPattern, '{ ($.result = "refused") && ($.userRef = "*") }');
      assert.equal(filter.FilterPattern, MIGRATE_USER_REFUSAL_PATTERN.logPatternString);
      assert.deepEqual(filter.LogGroupName, {
        Ref: Object.keys(t.findResources('AWS::Logs::LogGroup'))[0],
      });
      assert.deepEqual(filter.MetricTransformations, [
        {
          MetricNamespace: 'supa2aws/MigrateUser',
          MetricName: 'SignInRefused',
          MetricValue: '1',
          DefaultValue: 0,
        },
      ]);
    });

    test('WHEN the real handler refuses a sign-in THEN its log line has the fields the filter matches, and no name', async () => {
      const lines: MigrateUserLogEntry[] = [];
      const handler = createMigrateUserHandler({
        db: { query: async () => ({ rows: [] }) },
        log: (entry) => lines.push(entry),
        guard: {
          ref: async () => 'ref-0123456789abcdef',
          lockedUntil: async () => undefined,
          recordFailure: async () => ({ failures: 1 }),
          clear: async () => undefined,
        },
        passwords: { verify: async () => false, dummy: async () => false as const },
      });
      await assert.rejects(
        handler({
          triggerSource: 'UserMigration_Authentication',
          userPoolId: 'eu-west-1_x',
          userName: 'mallory@example.com',
          request: { password: 'guess' },
          response: {},
        }),
      );
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.result, 'refused');
      assert.equal(typeof lines[0]!.userRef, 'string');
      assert.doesNotMatch(JSON.stringify(lines), /mallory/);
    });

    test('WHEN the pool and client are checked by `auth plan` (src/auth/pool-checks.ts) THEN nothing fails', () => {
      const checks = checkPool({
        pool: {
          UsernameConfiguration: { CaseSensitive: pool.UsernameConfiguration.CaseSensitive },
          UsernameAttributes: pool.UsernameAttributes,
          SchemaAttributes: (pool.Schema as { Name: string; Mutable: boolean }[]).map((a) => ({
            Name: `custom:${a.Name}`,
            Mutable: a.Mutable,
          })),
          LambdaConfig: { UserMigration: 'arn:aws:lambda:us-east-1:123456789012:function:migrate-user' },
          AdminCreateUserConfig: {
            AllowAdminCreateUserOnly: pool.AdminCreateUserConfig.AllowAdminCreateUserOnly,
          },
        },
        client: { ExplicitAuthFlows: client.ExplicitAuthFlows, WriteAttributes: client.WriteAttributes },
        mode: 'custom:supabase_id',
        emulator: false,
        phoneUsers: false,
      });
      assert.deepEqual(
        checks.filter((c) => c.status === 'fail'),
        [],
      );
    });

    test('WHEN synthesised THEN there is no hosted UI domain', () => {
      t.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    });
  });

  describe('GIVEN a hosted UI domain prefix', () => {
    test('WHEN synthesised THEN the pool has that Cognito domain and its URL is an output', () => {
      const t = synth({ auth: { domainPrefix: 'aiuteur-login' } }).template('auth');
      t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'aiuteur-login' });
      t.hasOutput('UserPoolDomainUrl', {});
    });
  });

  describe('GIVEN callback URLs and identity providers', () => {
    const client = (auth: Record<string, unknown>) =>
      Object.values(synth({ auth }).template('auth').findResources('AWS::Cognito::UserPoolClient'))[0]!
        .Properties;

    test('WHEN synthesised THEN the SPA client may sign in through them and through its own users', () => {
      const props = client({
        callbackUrls: ['https://app.example.com/'],
        identityProviders: ['Google', 'SignInWithApple', 'azure'],
      });
      assert.deepEqual(props.SupportedIdentityProviders, ['COGNITO', 'Google', 'SignInWithApple', 'azure']);
      assert.deepEqual(
        props.AllowedOAuthScopes,
        ['openid', 'email', 'profile'],
        'what the runtime asks by default',
      );
    });

    test('WHEN none are listed THEN the client is as before: no SupportedIdentityProviders of our making', () => {
      const props = client({ callbackUrls: ['https://app.example.com/'] });
      assert.deepEqual(props.SupportedIdentityProviders, ['COGNITO']);
    });

    test('WHEN listed without callback URLs THEN the settings are refused with the field named', () => {
      assert.throws(() => client({ identityProviders: ['Google'] }), /auth\.identityProviders/);
    });
  });

  describe('GIVEN callback URLs, SES and USER_PASSWORD_AUTH turned off', () => {
    const t = synth({
      auth: {
        callbackUrls: ['https://app.example.com/auth/callback'],
        sesFromEmail: 'no-reply@example.com',
        sesRegion: 'eu-west-1',
        userPasswordAuth: false,
      },
    }).template('auth');
    const client = Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;

    test('WHEN synthesised THEN only the authorization-code flow is allowed, to those URLs', () => {
      assert.deepEqual(client.AllowedOAuthFlows, ['code']);
      assert.equal(client.AllowedOAuthFlowsUserPoolClient, true);
      assert.deepEqual(client.CallbackURLs, ['https://app.example.com/auth/callback']);
      assert.deepEqual(client.LogoutURLs, ['https://app.example.com/auth/callback']);
    });

    test('WHEN synthesised THEN SRP remains and USER_PASSWORD_AUTH is gone', () => {
      assert.ok(client.ExplicitAuthFlows.includes('ALLOW_USER_SRP_AUTH'));
      assert.ok(!client.ExplicitAuthFlows.includes('ALLOW_USER_PASSWORD_AUTH'));
    });

    test('WHEN synthesised THEN Cognito sends mail through SES from that address', () => {
      t.hasResourceProperties('AWS::Cognito::UserPool', {
        EmailConfiguration: Match.objectLike({
          EmailSendingAccount: 'DEVELOPER',
          From: 'no-reply@example.com',
          SourceArn: {
            'Fn::Join': ['', Match.arrayWith([':ses:eu-west-1:', ':identity/no-reply@example.com'])],
          },
        }),
      });
    });
  });

  describe('GIVEN migrateUserConcurrency: 3', () => {
    test('WHEN synthesised THEN the Lambda reserves exactly 3', () => {
      const s = synth({ auth: { migrateUserConcurrency: 3 } });
      const fn = s.template('auth').findResources('AWS::Lambda::Function')[
        logicalId(s.stacks.auth.migrateUser!)
      ]!.Properties;
      assert.equal(fn.ReservedConcurrentExecutions, 3);
    });
  });

  describe('GIVEN migrateUserTrigger: false', () => {
    test('WHEN synthesised THEN there is no Lambda and no trigger', () => {
      const t = synth({ auth: { migrateUserTrigger: false } }).template('auth');
      t.resourceCountIs('AWS::Lambda::Function', 0);
      const pool = Object.values(t.findResources('AWS::Cognito::UserPool'))[0]!.Properties;
      assert.equal(pool.LambdaConfig, undefined);
    });
  });

  describe('GIVEN a least-privileged legacy store secret', () => {
    test('WHEN synthesised THEN the Lambda reads that secret instead of the master secret', () => {
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:supa2aws-migrate-user-AbCdEf';
      const t = synth({ auth: { legacyStoreSecretArn: arn } }).template('auth');
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LEGACY_DB_SECRET_ARN: arn }) },
      });
    });
  });
});
