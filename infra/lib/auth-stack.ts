import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseStack } from './database-stack.ts';
import { LAMBDA_MANAGED_POLICIES, suppress } from './nag.ts';
import type { NetworkStack } from './network-stack.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { AuthSettings } from './settings.ts';

/** The repository root (infra/lib/../..), where the migrate-user handler and the lock file live. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The handler bundled into the Lambda (written by the auth phase; exports `handler`). */
export const MIGRATE_USER_ENTRY = path.join(REPO_ROOT, 'src', 'auth', 'migrate-user', 'handler.ts');
/** Where the migrate-user Lambda's log metrics go. */
export const MIGRATE_USER_METRIC_NAMESPACE = 'supa2aws/MigrateUser';
/**
 * The handler's refusal line (src/auth/migrate-user/handler.ts): `result: refused` with the sign-in name's
 * non-reversible reference (`userRef`). Never the name, the password or the hash.
 */
export const MIGRATE_USER_REFUSAL_PATTERN = logs.FilterPattern.all(
  logs.FilterPattern.stringValue('$.result', '=', 'refused'),
  logs.FilterPattern.exists('$.userRef'),
);
/** The Supabase UUID's home in Cognito (src/auth/user-id.ts). */
export const SUPABASE_ID_ATTRIBUTE = 'supabase_id';
/**
 * The Amazon CA bundle in the Lambda Node.js runtimes (RDS CAs included); Node 20+ runtimes no longer load
 * it by default, so the handler is pointed at it to verify the database certificate.
 */
export const LAMBDA_AMAZON_CA_FILE = '/var/runtime/ca-cert.pem';

export interface AuthStackProps extends StackProps {
  settings: AuthSettings;
  network: NetworkStack;
  database: DatabaseStack;
  /**
   * Pre-built code for the migrate-user Lambda (handler `index.handler`). Tests pass `Code.fromInline(...)`
   * so synth never bundles. @default MIGRATE_USER_ENTRY bundled with the local esbuild (never Docker)
   */
  migrateUserCode?: lambda.Code;
}

/**
 * Phase 3: the Cognito user pool (plan 04). Case-insensitive sign-in by email, a password policy no
 * stricter than Supabase's, email verification, an immutable `custom:supabase_id`, an SPA client without a
 * secret allowing USER_PASSWORD_AUTH (the migrate-user trigger fires only on it) and SRP, an optional
 * hosted UI domain, and the migrate-user Lambda reading the legacy credential store in the database.
 */
export class AuthStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly migrateUser?: nodejs.NodejsFunction;
  /** Refused sign-ins and resets counted from the migrate-user log lines (for the monitoring stack's alarm). */
  readonly migrateUserRefusals?: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: settings.userPoolName,
      // Cannot be changed once the pool exists (DESIGN §5).
      signInCaseSensitive: false,
      signInAliases: { email: true, phone: settings.signInWithPhone },
      autoVerify: { email: true, phone: settings.signInWithPhone },
      keepOriginal: { email: true },
      selfSignUpEnabled: settings.selfSignUp,
      userVerification: { emailStyle: cognito.VerificationEmailStyle.CODE },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        [SUPABASE_ID_ATTRIBUTE]: new cognito.StringAttribute({ minLen: 36, maxLen: 36, mutable: false }),
      },
      // Migrated users keep their Supabase passwords (default policy: at least 6 characters).
      passwordPolicy: {
        minLength: settings.passwordMinLength,
        requireLowercase: false,
        requireUppercase: false,
        requireDigits: false,
        requireSymbols: false,
        tempPasswordValidity: Duration.days(7),
      },
      accountRecovery: settings.signInWithPhone
        ? cognito.AccountRecovery.EMAIL_AND_PHONE_WITHOUT_MFA
        : cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Lite: the cheapest tier; nothing here needs Essentials (access-token customisation) or Plus.
      featurePlan: cognito.FeaturePlan.LITE,
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
      // Cognito's own sender allows about 50 emails a day; SES (a verified identity) allows what SES allows.
      ...(settings.sesFromEmail
        ? {
            email: cognito.UserPoolEmail.withSES({
              fromEmail: settings.sesFromEmail,
              // resolveSettings requires it or a pinned region (CDK needs it as a literal).
              sesRegion: settings.sesRegion ?? this.region,
            }),
          }
        : {}),
    });

    // The app may write what users may change about themselves, never the UUID attribute.
    const writable = new cognito.ClientAttributes().withStandardAttributes({
      email: true,
      fullname: true,
      ...(settings.signInWithPhone ? { phoneNumber: true } : {}),
    });
    const readable = new cognito.ClientAttributes()
      .withStandardAttributes({
        email: true,
        emailVerified: true,
        fullname: true,
        phoneNumber: true,
        phoneNumberVerified: true,
      })
      .withCustomAttributes(SUPABASE_ID_ATTRIBUTE);
    this.client = this.userPool.addClient('SpaClient', {
      userPoolClientName: 'spa',
      generateSecret: false,
      // USER_PASSWORD_AUTH is what the migrate-user trigger fires on: off after the migration window.
      authFlows: { userPassword: settings.userPasswordAuth, userSrp: true },
      // Hosted UI / OAuth: authorization code (with PKCE) only, to the configured URLs; off without any.
      ...(settings.callbackUrls.length
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
              scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
              callbackUrls: settings.callbackUrls,
              logoutUrls: settings.logoutUrls.length ? settings.logoutUrls : settings.callbackUrls,
            },
            ...(settings.identityProviders.length
              ? {
                  supportedIdentityProviders: [
                    cognito.UserPoolClientIdentityProvider.COGNITO,
                    ...settings.identityProviders.map((name) =>
                      cognito.UserPoolClientIdentityProvider.custom(name),
                    ),
                  ],
                }
              : {}),
          }
        : { disableOAuth: true }),
      preventUserExistenceErrors: true,
      writeAttributes: writable,
      readAttributes: readable,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    let domainUrl: string | undefined;
    if (settings.domainPrefix) {
      const domain = this.userPool.addDomain('HostedDomain', {
        cognitoDomain: { domainPrefix: settings.domainPrefix },
      });
      domainUrl = domain.baseUrl();
    }

    if (settings.migrateUserTrigger) {
      const { fn, refusals } = this.migrateUserFunction(props);
      this.migrateUser = fn;
      this.migrateUserRefusals = refusals;
    }

    suppress(this.userPool, [
      {
        id: 'AwsSolutions-COG1',
        reason:
          'Migrated users keep their Supabase passwords, so the policy cannot be stricter than Supabase (6+ characters).',
      },
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (TOTP): Supabase users had no MFA, requiring it would lock every migrated user out.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Plus feature plan (billed per monthly active user); Lite covers sign-in, the migration trigger and TOTP MFA.',
      },
    ]);

    new CfnOutput(this, OUTPUT_KEYS.userPoolId, { value: this.userPool.userPoolId });
    new CfnOutput(this, OUTPUT_KEYS.userPoolClientId, { value: this.client.userPoolClientId });
    new CfnOutput(this, OUTPUT_KEYS.cognitoIssuer, { value: this.userPool.userPoolProviderUrl });
    if (domainUrl) new CfnOutput(this, OUTPUT_KEYS.userPoolDomainUrl, { value: domainUrl });
    if (this.migrateUser) {
      new CfnOutput(this, OUTPUT_KEYS.migrateUserFunctionName, { value: this.migrateUser.functionName });
    }
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }

  private migrateUserFunction(props: AuthStackProps): {
    fn: nodejs.NodejsFunction;
    refusals: cloudwatch.Metric;
  } {
    const { settings, network, database } = props;
    // Its own login (supa2aws_migrate_user, which may read only the legacy store), never the master user.
    const storeSecret = settings.legacyStoreSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'LegacyStoreSecret', settings.legacyStoreSecretArn)
      : database.migrateUserSecret;
    // Imported immutably: every network rule stays in the network stack.
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'MigrateUserSg',
      network.migrateUserSecurityGroup.securityGroupId,
      { mutable: false, allowAllOutbound: false },
    );
    const code = props.migrateUserCode;
    const logGroup = new logs.LogGroup(this, 'MigrateUserLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fn = new nodejs.NodejsFunction(this, 'MigrateUser', {
      description:
        'Cognito UserMigration trigger: checks a Supabase password against the legacy credential store',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // Cognito waits 5 s for a trigger; bcrypt at cost 10 wants a whole vCPU's worth of memory.
      memorySize: 1024,
      timeout: Duration.seconds(5),
      // A global bound on password checks (each instance runs at most 2 at once, work-limit.ts): a guessing
      // burst is throttled (alarmed on) instead of scaling out against the legacy store.
      reservedConcurrentExecutions: settings.migrateUserConcurrency,
      vpc: network.vpc,
      vpcSubnets: network.isolatedSubnets,
      securityGroups: [securityGroup],
      allowPublicSubnet: false,
      environment: {
        LEGACY_DB_SECRET_ARN: storeSecret.secretArn,
        LEGACY_DB_SSL: 'verify-full',
        LEGACY_DB_CA_FILE: LAMBDA_AMAZON_CA_FILE,
        LEGACY_SCHEMA: settings.legacySchema,
        USER_ID_ATTRIBUTE: `custom:${SUPABASE_ID_ATTRIBUTE}`,
      },
      logGroup,
      ...(code
        ? { code, handler: 'index.handler' }
        : {
            entry: MIGRATE_USER_ENTRY,
            handler: 'handler',
            projectRoot: REPO_ROOT,
            depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
            bundling: {
              forceDockerBundling: false,
              target: 'node24',
              minify: true,
              sourceMap: false,
              // The runtime ships the AWS SDK v3; pg's optional native binding is never used.
              externalModules: ['@aws-sdk/*', 'pg-native'],
            },
          }),
    });
    storeSecret.grantRead(fn);
    this.userPool.addTrigger(cognito.UserPoolOperation.USER_MIGRATION, fn);
    const refusals = new logs.MetricFilter(this, 'MigrateUserRefusalsFilter', {
      logGroup,
      filterPattern: MIGRATE_USER_REFUSAL_PATTERN,
      metricNamespace: MIGRATE_USER_METRIC_NAMESPACE,
      metricName: 'SignInRefused',
      metricValue: '1',
      defaultValue: 0,
    }).metric({ statistic: 'Sum', period: Duration.minutes(5) });

    suppress(fn, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'The AWS-managed Lambda logging and VPC-networking policies are the documented minimum for a VPC Lambda.',
        appliesTo: LAMBDA_MANAGED_POLICIES,
      },
    ]);
    return { fn, refusals };
  }
}
