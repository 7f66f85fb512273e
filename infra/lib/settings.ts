/**
 * Every knob of the target architecture in one typed object, with the defaults the guide describes.
 * bin/app.ts fills it from `cdk -c key=value` context (context.ts); tests build it directly.
 */

/** Where the API and worker tasks run. See network-stack.ts for what each choice costs per month. */
export interface NetworkSettings {
  /**
   * Run the tasks in private subnets behind VPC endpoints instead of public subnets with a public IP.
   * @default false
   */
  privateTasks: boolean;
  /**
   * NAT gateways, only meaningful with privateTasks (the app's calls to third-party APIs need one).
   * @default 0
   */
  natGateways: number;
  /** Availability zones (an ALB and an RDS subnet group both need two). @default 2 */
  maxAzs: number;
  /** VPC CIDR. @default '10.0.0.0/16' */
  cidr: string;
  /** VPC flow logs of rejected traffic to CloudWatch Logs. @default true */
  flowLogs: boolean;
  /**
   * The ID of the managed prefix list `com.amazonaws.global.cloudfront.origin-facing` in the stacks' region,
   * the only source the load balancer admits. @default looked up at deploy time (a custom resource calling
   * ec2:DescribeManagedPrefixLists), so synth stays offline and environment-agnostic
   */
  cloudFrontPrefixListId?: string;
}

export type PublicImagesMode = 'bucket-policy' | 'cloudfront';

export interface StorageSettings {
  /** @default 'aiuteur-videos' */
  videosBucketName: string;
  /** @default 'aiuteur-images' */
  imagesBucketName: string;
  /** @default 'aiuteur-asset-images' */
  assetImagesBucketName: string;
  /**
   * How images and asset-images are public: a public-read bucket policy (the plan), or private buckets
   * read only by a CloudFront distribution each (origin access control).
   * @default 'bucket-policy'
   */
  publicImages: PublicImagesMode;
  /** Origins allowed to upload from the browser (CORS). Narrow this to the app's domain. @default ['*'] */
  corsAllowedOrigins: string[];
  /** Old object versions are deleted this many days after being replaced. @default 30 */
  noncurrentVersionExpirationDays: number;
  /** Server access logs go to this many days in a logs bucket. @default 90 */
  accessLogRetentionDays: number;
}

export interface DatabaseSettings {
  /** `t4g.micro` (cheaper, Graviton) or the plan's `t3.micro`; any RDS class is accepted. @default 't4g.micro' */
  instanceType: string;
  /** @default 20 */
  allocatedStorageGiB: number;
  /** @default 7 */
  backupRetentionDays: number;
  /** @default 'aiuteur' */
  databaseName: string;
  /** The RDS instance identifier (the endpoint's first label). @default 'aiuteur' */
  instanceIdentifier: string;
  /** @default 'postgres' */
  masterUsername: string;
  /**
   * The login role the API and the worker use: owns nothing, only the grants src/db/app-role.ts gives it.
   * Its password is generated into its own secret; `supa2aws db app-role` creates the role from it.
   * @default 'aiuteur_app'
   */
  appUsername: string;
  /** @default true */
  deletionProtection: boolean;
  /**
   * `rds.logical_replication = 1` (wal_level logical, a static parameter: a reboot): RDS can publish, so
   * `supa2aws db replicate reverse` can carry writes made on RDS back to Supabase while migrating. Turn it
   * off once Supabase is decommissioned (it makes WAL slightly larger). @default true
   */
  logicalReplication: boolean;
  /** A standby in a second AZ (about doubles the instance and storage price). @default false */
  multiAz: boolean;
  /** Storage autoscaling ceiling; 0 turns autoscaling off. @default 100 */
  maxAllocatedStorageGiB: number;
  /** Daily backup window, UTC `hh:mm-hh:mm`. @default '03:00-04:00' */
  backupWindow: string;
  /** Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`. @default 'sun:04:30-sun:05:30' */
  maintenanceWindow: string;
}

export interface AuthSettings {
  /** @default 'aiuteur-users' */
  userPoolName: string;
  /** Hosted UI domain prefix (`<prefix>.auth.<region>.amazoncognito.com`); none when unset. @default undefined */
  domainPrefix?: string;
  /** The app's own sign-up form needs it; the migration window is safer without. @default true */
  selfSignUp: boolean;
  /**
   * Minimum password length. Supabase's default is 6 and migrated users keep their passwords, so the
   * policy must not be stricter than the old one. @default 6
   */
  passwordMinLength: number;
  /** Users whose Supabase account has only a phone sign in with it. @default false */
  signInWithPhone: boolean;
  /** Attach the migrate-user Lambda (needs a Secrets Manager endpoint in the VPC). @default true */
  migrateUserTrigger: boolean;
  /**
   * The migrate-user Lambda's reserved concurrency: at most this many password checks run at once across
   * every instance, whatever the sign-in rate (a burst is throttled, and alarmed on). Lambda keeps 100 of
   * the account's concurrency unreserved, so the account's quota must be at least 100 more than this
   * (new accounts start lower: raise it in Service Quotas first). @default 10
   */
  migrateUserConcurrency: number;
  /** Schema of the legacy credential store. @default 'supa2aws_legacy_auth' */
  legacySchema: string;
  /**
   * A secret ({username, password, host, port, dbname}) the Lambda reads the store with.
   * @default the database stack's `supa2aws_migrate_user` secret (DbMigrateUserSecretArn)
   */
  legacyStoreSecretArn?: string;
  /** @default true */
  deletionProtection: boolean;
  /**
   * Allow USER_PASSWORD_AUTH on the SPA client. The migrate-user trigger fires only on it: turn it off
   * (SRP only) once the migration window is over. @default true
   */
  userPasswordAuth: boolean;
  /**
   * Hosted UI / OAuth redirect URLs. With none, the client has OAuth off (the SPA signs in through the API
   * calls of runtime/browser-auth); with some, only the authorization-code flow is allowed. @default []
   */
  callbackUrls: string[];
  /** Where the hosted UI sends users after sign-out; only with callbackUrls. @default callbackUrls */
  logoutUrls: string[];
  /**
   * The user pool's identity providers the SPA client may sign in through besides its own users, by their
   * names in the pool: `Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple`, or an OIDC or SAML
   * provider's name (runtime/browser-auth's signInWithOAuth({ provider }) asks for the same name). The
   * providers themselves (client IDs and secrets of the social apps) are created outside this stack; listing
   * them here keeps a deploy from taking them off the client. Only with callbackUrls. @default []
   */
  identityProviders: string[];
  /**
   * A verified SES identity (an address, or one at a verified domain) Cognito sends mail from. Cognito's own
   * sender allows about 50 messages a day: too few for sign-ups and the migration's password resets.
   * @default undefined (Cognito's sender)
   */
  sesFromEmail?: string;
  /** The SES region (SES identities are regional); required with sesFromEmail unless `region` is pinned. @default the stacks' region */
  sesRegion?: string;
}

export type CpuArchitecture = 'arm64' | 'x86_64';

export interface BackendSettings {
  /**
   * The Docker build context, relative to the repository root. `cdk deploy` builds the image from it
   * (linux/<cpuArchitecture>) and pushes it to the bootstrap's asset repository, tagged by content hash,
   * so the first deploy needs no image pushed by hand. @default '.' (examples/backend builds from the root)
   */
  dockerDirectory: string;
  /** The Dockerfile, relative to dockerDirectory. @default 'examples/backend/Dockerfile' */
  dockerFile: string;
  /** Graviton (`arm64`, about 20% cheaper per vCPU-hour) or `x86_64`. @default 'arm64' */
  cpuArchitecture: CpuArchitecture;
  /**
   * The path prefix CloudFront routes to the load balancer (and strips before forwarding: the API serves
   * `/projects`, the browser calls `/api/projects`). @default '/api'
   */
  apiPath: string;
  /** @default 3001 */
  containerPort: number;
  /**
   * The load balancer's health check: the process only, so a database blip does not replace every API
   * task (the deep `/health` is for people and alarms). @default '/health/live'
   */
  healthCheckPath: string;
  /** 0.5 vCPU. @default 512 */
  cpu: number;
  /** @default 1024 */
  memoryMiB: number;
  /** @default 1 */
  apiDesiredCount: number;
  /** @default 1 */
  apiMinCount: number;
  /** @default 4 */
  apiMaxCount: number;
  /** @default 60 */
  apiTargetCpuPercent: number;
  /**
   * The VideoJobExecutor's command (same image as the API; examples/backend/Dockerfile's worker).
   * @default ['node', 'dist/examples/backend/src/worker.js']
   */
  workerCommand: string[];
  /** @default 1 */
  workerDesiredCount: number;
  /** @default 30 */
  logRetentionDays: number;
  /**
   * Keys of the app secret injected as environment variables by ECS (values set after deploy with
   * `aws secretsmanager put-secret-value`). Other keys of that secret reach the app too: SECRETS_ID names
   * it for `loadSecrets()` at boot. @default ['GOOGLE_APPLICATION_CREDENTIALS_JSON']
   */
  appSecretKeys: string[];
  /** Origins the API answers CORS for, besides the SPA's CloudFront URL. @default [] */
  corsOrigins: string[];
  /** DATABASE_CA_FILE for the app, overriding the image's (examples/backend sets it). @default undefined */
  dbCaFile?: string;
  /** Container Insights (extra CloudWatch metrics, a few dollars a month). @default false */
  containerInsights: boolean;
}

/**
 * The supa2aws CLI as a one-off ECS Fargate task (`supa2aws aws run -- <command…>`): the phases that need the
 * database (in isolated subnets) or a large bucket copy run inside the VPC, next to RDS and S3.
 */
export interface MigrationSettings {
  /** The Dockerfile, relative to the repository root (the build context). @default 'docker/cli/Dockerfile' */
  dockerFile: string;
  /** Graviton (`arm64`) or `x86_64`. @default 'arm64' */
  cpuArchitecture: CpuArchitecture;
  /** 1 vCPU: pg_dump, COPY and TLS share it. @default 1024 */
  cpu: number;
  /** @default 2048 */
  memoryMiB: number;
  /** @default 30 */
  logRetentionDays: number;
  /** Days a run's config, result and phase reports stay in the runs bucket. @default 30 */
  runRetentionDays: number;
}

export interface FrontendSettings {
  /** Content-Security-Policy header; none when unset (it depends on the app's API and image hosts). @default undefined */
  contentSecurityPolicy?: string;
  /** A custom domain for the app (SPA and API, one origin). @default undefined (the *.cloudfront.net name) */
  domainName?: string;
  /**
   * An ACM certificate in us-east-1 (CloudFront reads certificates only there) for domainName.
   * @default one is requested with DNS validation (the stacks must then be in us-east-1)
   */
  certificateArn?: string;
  /** A Route 53 hosted zone for domainName: validation and alias records are created in it. @default undefined (the records are printed as outputs) */
  hostedZoneId?: string;
  /** The hosted zone's name, e.g. `example.com`; needed with hostedZoneId. @default undefined */
  hostedZoneName?: string;
}

export interface MonitoringSettings {
  /** Where alarms are emailed (an SNS topic subscription to confirm). @default budget.email */
  email?: string;
  /** Database connections above which the connections alarm fires. @default 80 (t4g.micro allows about 80 to 100) */
  maxDbConnections: number;
  /**
   * Refused sign-ins through the migrate-user Lambda in 5 minutes above which the alarm fires (password
   * guessing: each refusal is a log line with the name's non-reversible reference). @default 50
   */
  maxMigrateUserRefusals: number;
}

export interface BudgetSettings {
  /** @default 'aiuteur-monthly' */
  name: string;
  /**
   * Monthly limit in USD. @default the `supa2aws cost` estimate of what these settings deploy (the small
   * preset's usage), plus 20% headroom, rounded up to $10 (infra/lib/budget-default.ts)
   */
  limitUsd?: number;
  /** Alert recipient; the budget has no notification without it. @default undefined */
  email?: string;
}

export interface InfraSettings {
  /** Every stack is named `<prefix>-<Phase>`. @default 'Aiuteur' */
  stackPrefix: string;
  /** Pin account/region; environment-agnostic when both are unset. @default {} */
  account?: string;
  region?: string;
  /** Run cdk-nag AwsSolutions checks during synth. @default true */
  nag: boolean;
  network: NetworkSettings;
  storage: StorageSettings;
  database: DatabaseSettings;
  auth: AuthSettings;
  backend: BackendSettings;
  migration: MigrationSettings;
  frontend: FrontendSettings;
  monitoring: MonitoringSettings;
  budget: BudgetSettings;
}

export type InfraSettingsInput = Partial<
  Omit<
    InfraSettings,
    | 'network'
    | 'storage'
    | 'database'
    | 'auth'
    | 'backend'
    | 'migration'
    | 'frontend'
    | 'monitoring'
    | 'budget'
  >
> & {
  network?: Partial<NetworkSettings>;
  storage?: Partial<StorageSettings>;
  database?: Partial<DatabaseSettings>;
  auth?: Partial<AuthSettings>;
  backend?: Partial<BackendSettings>;
  migration?: Partial<MigrationSettings>;
  frontend?: Partial<FrontendSettings>;
  monitoring?: Partial<MonitoringSettings>;
  budget?: Partial<BudgetSettings>;
};

export const DEFAULT_SETTINGS: InfraSettings = {
  stackPrefix: 'Aiuteur',
  nag: true,
  network: { privateTasks: false, natGateways: 0, maxAzs: 2, cidr: '10.0.0.0/16', flowLogs: true },
  storage: {
    videosBucketName: 'aiuteur-videos',
    imagesBucketName: 'aiuteur-images',
    assetImagesBucketName: 'aiuteur-asset-images',
    publicImages: 'bucket-policy',
    corsAllowedOrigins: ['*'],
    noncurrentVersionExpirationDays: 30,
    accessLogRetentionDays: 90,
  },
  database: {
    instanceType: 't4g.micro',
    allocatedStorageGiB: 20,
    backupRetentionDays: 7,
    databaseName: 'aiuteur',
    instanceIdentifier: 'aiuteur',
    masterUsername: 'postgres',
    appUsername: 'aiuteur_app',
    deletionProtection: true,
    logicalReplication: true,
    multiAz: false,
    maxAllocatedStorageGiB: 100,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:30-sun:05:30',
  },
  auth: {
    userPoolName: 'aiuteur-users',
    selfSignUp: true,
    passwordMinLength: 6,
    signInWithPhone: false,
    migrateUserTrigger: true,
    migrateUserConcurrency: 10,
    legacySchema: 'supa2aws_legacy_auth',
    deletionProtection: true,
    userPasswordAuth: true,
    callbackUrls: [],
    logoutUrls: [],
    identityProviders: [],
  },
  backend: {
    dockerDirectory: '.',
    dockerFile: 'examples/backend/Dockerfile',
    cpuArchitecture: 'arm64',
    apiPath: '/api',
    containerPort: 3001,
    healthCheckPath: '/health/live',
    cpu: 512,
    memoryMiB: 1024,
    apiDesiredCount: 1,
    apiMinCount: 1,
    apiMaxCount: 4,
    apiTargetCpuPercent: 60,
    workerCommand: ['node', 'dist/examples/backend/src/worker.js'],
    workerDesiredCount: 1,
    logRetentionDays: 30,
    appSecretKeys: ['GOOGLE_APPLICATION_CREDENTIALS_JSON'],
    corsOrigins: [],
    containerInsights: false,
  },
  migration: {
    dockerFile: 'docker/cli/Dockerfile',
    cpuArchitecture: 'arm64',
    cpu: 1024,
    memoryMiB: 2048,
    logRetentionDays: 30,
    runRetentionDays: 30,
  },
  frontend: {},
  monitoring: { maxDbConnections: 80, maxMigrateUserRefusals: 50 },
  budget: { name: 'aiuteur-monthly' },
};

/** A settings value that cannot work, caught before synth with the field, the value and what is allowed. */
export class InfraSettingsError extends Error {
  readonly code = 'INFRA_SETTING_INVALID';
  constructor(
    readonly field: string,
    readonly seen: unknown,
    readonly expected: string,
  ) {
    super(`${field} is ${JSON.stringify(seen)}; expected ${expected}`);
    this.name = 'InfraSettingsError';
  }
}

const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function check(ok: boolean, field: string, seen: unknown, expected: string): void {
  if (!ok) throw new InfraSettingsError(field, seen, expected);
}

/** Defaults under the input, then checks the values CloudFormation would only reject at deploy time. */
export function resolveSettings(input: InfraSettingsInput = {}): InfraSettings {
  const d = DEFAULT_SETTINGS;
  const s: InfraSettings = {
    ...d,
    ...stripUndefined(input),
    network: { ...d.network, ...stripUndefined(input.network) },
    storage: { ...d.storage, ...stripUndefined(input.storage) },
    database: { ...d.database, ...stripUndefined(input.database) },
    auth: { ...d.auth, ...stripUndefined(input.auth) },
    backend: { ...d.backend, ...stripUndefined(input.backend) },
    migration: { ...d.migration, ...stripUndefined(input.migration) },
    frontend: { ...d.frontend, ...stripUndefined(input.frontend) },
    monitoring: { ...d.monitoring, ...stripUndefined(input.monitoring) },
    budget: { ...d.budget, ...stripUndefined(input.budget) },
  };
  check(/^[A-Za-z][A-Za-z0-9-]*$/.test(s.stackPrefix), 'stackPrefix', s.stackPrefix, 'letters, digits and -');
  check(
    Number.isInteger(s.network.natGateways) && s.network.natGateways >= 0,
    'network.natGateways',
    s.network.natGateways,
    'an integer >= 0',
  );
  check(
    s.network.natGateways === 0 || s.network.privateTasks,
    'network.natGateways',
    s.network.natGateways,
    '0 unless privateTasks is true (public tasks need no NAT gateway)',
  );
  check(
    Number.isInteger(s.network.maxAzs) && s.network.maxAzs >= 2,
    'network.maxAzs',
    s.network.maxAzs,
    'an integer >= 2 (ALB and RDS need two AZs)',
  );
  for (const key of ['videosBucketName', 'imagesBucketName', 'assetImagesBucketName'] as const) {
    check(
      BUCKET_NAME.test(s.storage[key]),
      `storage.${key}`,
      s.storage[key],
      'an S3 bucket name (3-63 lower-case letters, digits, . and -)',
    );
  }
  check(
    ['bucket-policy', 'cloudfront'].includes(s.storage.publicImages),
    'storage.publicImages',
    s.storage.publicImages,
    "'bucket-policy' or 'cloudfront'",
  );
  check(
    s.storage.corsAllowedOrigins.length > 0,
    'storage.corsAllowedOrigins',
    s.storage.corsAllowedOrigins,
    'at least one origin',
  );
  check(
    /^[a-z0-9]+\.[a-z0-9]+$/.test(s.database.instanceType),
    'database.instanceType',
    s.database.instanceType,
    "a class without the 'db.' prefix, e.g. 't4g.micro' or 't3.micro'",
  );
  check(
    s.database.allocatedStorageGiB >= 20,
    'database.allocatedStorageGiB',
    s.database.allocatedStorageGiB,
    'at least 20 (the gp3 minimum)',
  );
  check(
    s.database.backupRetentionDays >= 1 && s.database.backupRetentionDays <= 35,
    'database.backupRetentionDays',
    s.database.backupRetentionDays,
    '1 to 35',
  );
  check(
    /^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(s.database.instanceIdentifier) &&
      !s.database.instanceIdentifier.endsWith('-'),
    'database.instanceIdentifier',
    s.database.instanceIdentifier,
    'lower-case letters, digits and single hyphens, starting with a letter',
  );
  check(
    IDENTIFIER.test(s.database.databaseName),
    'database.databaseName',
    s.database.databaseName,
    'a lower-case SQL identifier',
  );
  check(
    IDENTIFIER.test(s.database.masterUsername) && s.database.masterUsername !== 'rdsadmin',
    'database.masterUsername',
    s.database.masterUsername,
    'a lower-case SQL identifier other than rdsadmin',
  );
  check(
    s.auth.passwordMinLength >= 6 && s.auth.passwordMinLength <= 99,
    'auth.passwordMinLength',
    s.auth.passwordMinLength,
    '6 to 99 (Cognito)',
  );
  check(
    Number.isInteger(s.auth.migrateUserConcurrency) && s.auth.migrateUserConcurrency >= 1,
    'auth.migrateUserConcurrency',
    s.auth.migrateUserConcurrency,
    'an integer >= 1 (0 would throttle every sign-in of a not-yet-migrated user)',
  );
  check(
    Number.isInteger(s.monitoring.maxMigrateUserRefusals) && s.monitoring.maxMigrateUserRefusals >= 1,
    'monitoring.maxMigrateUserRefusals',
    s.monitoring.maxMigrateUserRefusals,
    'an integer >= 1',
  );
  check(
    IDENTIFIER.test(s.auth.legacySchema),
    'auth.legacySchema',
    s.auth.legacySchema,
    'a lower-case SQL identifier',
  );
  check(
    s.auth.domainPrefix === undefined || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(s.auth.domainPrefix),
    'auth.domainPrefix',
    s.auth.domainPrefix,
    'lower-case letters, digits and -',
  );
  check(
    s.frontend.certificateArn === undefined || s.frontend.domainName !== undefined,
    'frontend.certificateArn',
    s.frontend.certificateArn,
    'to come with frontend.domainName',
  );
  check(
    s.frontend.certificateArn === undefined ||
      /^arn:aws[a-z-]*:acm:us-east-1:/.test(s.frontend.certificateArn),
    'frontend.certificateArn',
    s.frontend.certificateArn,
    'an ACM certificate in us-east-1 (the only region CloudFront reads certificates from)',
  );
  check(
    !s.frontend.domainName || !!s.frontend.certificateArn || !s.region || s.region === 'us-east-1',
    'frontend.domainName',
    s.frontend.domainName,
    'with frontend.certificateArn (a us-east-1 certificate) when the stacks are not in us-east-1',
  );
  check(
    (s.frontend.hostedZoneId === undefined) === (s.frontend.hostedZoneName === undefined),
    'frontend.hostedZoneId',
    s.frontend.hostedZoneId,
    'together with frontend.hostedZoneName',
  );
  check(
    /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(s.backend.apiPath),
    'backend.apiPath',
    s.backend.apiPath,
    "a path prefix like '/api' (leading slash, no trailing slash, no wildcard)",
  );
  check(
    ['arm64', 'x86_64'].includes(s.backend.cpuArchitecture),
    'backend.cpuArchitecture',
    s.backend.cpuArchitecture,
    "'arm64' or 'x86_64'",
  );
  check(
    ['arm64', 'x86_64'].includes(s.migration.cpuArchitecture),
    'migration.cpuArchitecture',
    s.migration.cpuArchitecture,
    "'arm64' or 'x86_64'",
  );
  check(
    Number.isInteger(s.migration.runRetentionDays) && s.migration.runRetentionDays >= 1,
    'migration.runRetentionDays',
    s.migration.runRetentionDays,
    'a whole number of days >= 1',
  );
  check(
    s.database.maxAllocatedStorageGiB === 0 ||
      s.database.maxAllocatedStorageGiB > s.database.allocatedStorageGiB,
    'database.maxAllocatedStorageGiB',
    s.database.maxAllocatedStorageGiB,
    `0 (no autoscaling) or more than allocatedStorageGiB (${s.database.allocatedStorageGiB})`,
  );
  check(
    IDENTIFIER.test(s.database.appUsername) && s.database.appUsername !== s.database.masterUsername,
    'database.appUsername',
    s.database.appUsername,
    'a lower-case SQL identifier other than the master user',
  );
  check(
    !s.auth.sesFromEmail || !!s.auth.sesRegion || !!s.region,
    'auth.sesRegion',
    s.auth.sesRegion,
    'the SES region of sesFromEmail (or pin the stacks with region)',
  );
  check(
    s.auth.logoutUrls.length === 0 || s.auth.callbackUrls.length > 0,
    'auth.logoutUrls',
    s.auth.logoutUrls,
    'to come with auth.callbackUrls',
  );
  check(
    s.auth.identityProviders.length === 0 || s.auth.callbackUrls.length > 0,
    'auth.identityProviders',
    s.auth.identityProviders,
    'to come with auth.callbackUrls (the hosted UI returns to them)',
  );
  check(
    s.backend.apiMinCount <= s.backend.apiDesiredCount && s.backend.apiDesiredCount <= s.backend.apiMaxCount,
    'backend.apiDesiredCount',
    s.backend.apiDesiredCount,
    `between apiMinCount (${s.backend.apiMinCount}) and apiMaxCount (${s.backend.apiMaxCount})`,
  );
  check(
    s.backend.workerCommand.length > 0,
    'backend.workerCommand',
    s.backend.workerCommand,
    'a non-empty command',
  );
  check(
    s.backend.appSecretKeys.every((k) => ENV_KEY.test(k)),
    'backend.appSecretKeys',
    s.backend.appSecretKeys,
    'environment variable names',
  );
  check(
    s.budget.limitUsd === undefined || s.budget.limitUsd > 0,
    'budget.limitUsd',
    s.budget.limitUsd,
    'a positive amount',
  );
  check(
    s.monitoring.email === undefined || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.monitoring.email),
    'monitoring.email',
    s.monitoring.email,
    'an email address',
  );
  check(
    s.budget.email === undefined || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.budget.email),
    'budget.email',
    s.budget.email,
    'an email address',
  );
  return s;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
