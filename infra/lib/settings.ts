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
  /** @default true */
  deletionProtection: boolean;
  /**
   * `rds.logical_replication = 1` (wal_level logical, a static parameter: a reboot): RDS can publish, so
   * `supa2aws db replicate reverse` can carry writes made on RDS back to Supabase while migrating. Turn it
   * off once Supabase is decommissioned (it makes WAL slightly larger). @default true
   */
  logicalReplication: boolean;
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
  /** Schema of the legacy credential store. @default 'supa2aws_legacy_auth' */
  legacySchema: string;
  /**
   * A secret ({username, password, host, port, dbname}) the Lambda reads the store with, e.g. one for the
   * least-privileged `supa2aws_migrate_user` role. @default the database's master secret
   */
  legacyStoreSecretArn?: string;
  /** @default true */
  deletionProtection: boolean;
}

export interface BackendSettings {
  /** @default 'aiuteur-backend' */
  repositoryName: string;
  /** The image tag the services run (pushed before deploying). @default 'latest' */
  imageTag: string;
  /** A domain for the API: HTTPS on 443 with an ACM certificate; HTTP on 80 without. @default undefined */
  domainName?: string;
  /** An existing ACM certificate for domainName; one is requested (DNS validation) when unset. @default undefined */
  certificateArn?: string;
  /** @default 3001 */
  containerPort: number;
  /** @default '/health' */
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

export interface FrontendSettings {
  /** Content-Security-Policy header; none when unset (it depends on the app's API and image hosts). @default undefined */
  contentSecurityPolicy?: string;
}

export interface BudgetSettings {
  /** @default 'aiuteur-monthly' */
  name: string;
  /** @default 50 */
  limitUsd: number;
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
  frontend: FrontendSettings;
  budget: BudgetSettings;
}

export type InfraSettingsInput = Partial<
  Omit<InfraSettings, 'network' | 'storage' | 'database' | 'auth' | 'backend' | 'frontend' | 'budget'>
> & {
  network?: Partial<NetworkSettings>;
  storage?: Partial<StorageSettings>;
  database?: Partial<DatabaseSettings>;
  auth?: Partial<AuthSettings>;
  backend?: Partial<BackendSettings>;
  frontend?: Partial<FrontendSettings>;
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
    deletionProtection: true,
    logicalReplication: true,
  },
  auth: {
    userPoolName: 'aiuteur-users',
    selfSignUp: true,
    passwordMinLength: 6,
    signInWithPhone: false,
    migrateUserTrigger: true,
    legacySchema: 'supa2aws_legacy_auth',
    deletionProtection: true,
  },
  backend: {
    repositoryName: 'aiuteur-backend',
    imageTag: 'latest',
    containerPort: 3001,
    healthCheckPath: '/health',
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
  frontend: {},
  budget: { name: 'aiuteur-monthly', limitUsd: 50 },
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
    frontend: { ...d.frontend, ...stripUndefined(input.frontend) },
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
    s.backend.certificateArn === undefined || s.backend.domainName !== undefined,
    'backend.certificateArn',
    s.backend.certificateArn,
    'to come with backend.domainName',
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
  check(s.budget.limitUsd > 0, 'budget.limitUsd', s.budget.limitUsd, 'a positive amount');
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
