/**
 * Settings from CDK context: `cdk synth -c region=eu-west-1 -c privateTasks=true ...`
 * (`-c` values arrive as strings; cdk.json may hold real types). The keys are listed in infra/README.md.
 */
import {
  InfraSettingsError,
  resolveSettings,
  type CpuArchitecture,
  type InfraSettings,
  type PublicImagesMode,
} from './settings.ts';

/** Reads a context value (`-c key=value` arrives as a string; cdk.json may hold real types). */
export type ContextReader = (key: string) => unknown;

function str(read: ContextReader, key: string): string | undefined {
  const v = read(key);
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

function bool(read: ContextReader, key: string): boolean | undefined {
  const v = read(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InfraSettingsError(key, v, 'true or false');
}

function num(read: ContextReader, key: string): number | undefined {
  const v = str(read, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InfraSettingsError(key, v, 'a number');
  return n;
}

function list(read: ContextReader, key: string): string[] | undefined {
  const v = read(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String);
  return String(v)
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * The settings from CDK context, e.g. `cdk synth -c region=eu-west-1 -c privateTasks=true
 * -c domainName=api.example.com -c budgetEmail=ops@example.com`. Keys are listed in infra/README.md.
 */
export function settingsFromContext(read: ContextReader): InfraSettings {
  const workerCommand = str(read, 'workerCommand');
  return resolveSettings({
    stackPrefix: str(read, 'stackPrefix'),
    account: str(read, 'account'),
    region: str(read, 'region'),
    nag: bool(read, 'nag'),
    network: {
      privateTasks: bool(read, 'privateTasks'),
      natGateways: num(read, 'natGateways'),
      maxAzs: num(read, 'maxAzs'),
      flowLogs: bool(read, 'flowLogs'),
      cloudFrontPrefixListId: str(read, 'cloudFrontPrefixListId'),
    },
    storage: {
      videosBucketName: str(read, 'videosBucket'),
      imagesBucketName: str(read, 'imagesBucket'),
      assetImagesBucketName: str(read, 'assetImagesBucket'),
      publicImages: str(read, 'publicImages') as PublicImagesMode | undefined,
      corsAllowedOrigins: list(read, 'corsOrigins'),
    },
    database: {
      instanceType: str(read, 'dbInstanceType')?.replace(/^db\./, ''),
      instanceIdentifier: str(read, 'dbInstanceIdentifier'),
      backupRetentionDays: num(read, 'dbBackupRetentionDays'),
      deletionProtection: bool(read, 'dbDeletionProtection'),
      logicalReplication: bool(read, 'dbLogicalReplication'),
      multiAz: bool(read, 'dbMultiAz'),
      maxAllocatedStorageGiB: num(read, 'dbMaxAllocatedStorageGiB'),
      backupWindow: str(read, 'dbBackupWindow'),
      maintenanceWindow: str(read, 'dbMaintenanceWindow'),
    },
    auth: {
      domainPrefix: str(read, 'authDomainPrefix'),
      selfSignUp: bool(read, 'selfSignUp'),
      signInWithPhone: bool(read, 'signInWithPhone'),
      migrateUserTrigger: bool(read, 'migrateUserTrigger'),
      legacyStoreSecretArn: str(read, 'legacyStoreSecretArn'),
      userPasswordAuth: bool(read, 'userPasswordAuth'),
      callbackUrls: list(read, 'callbackUrls'),
      logoutUrls: list(read, 'logoutUrls'),
      identityProviders: list(read, 'identityProviders'),
      sesFromEmail: str(read, 'sesFromEmail'),
      sesRegion: str(read, 'sesRegion'),
    },
    backend: {
      dockerDirectory: str(read, 'dockerDirectory'),
      dockerFile: str(read, 'dockerFile'),
      cpuArchitecture: str(read, 'cpuArchitecture') as CpuArchitecture | undefined,
      apiPath: str(read, 'apiPath'),
      apiMaxCount: num(read, 'apiMaxCount'),
      workerCommand: workerCommand ? workerCommand.split(' ').filter(Boolean) : undefined,
      appSecretKeys: list(read, 'appSecretKeys'),
      corsOrigins: list(read, 'apiCorsOrigins'),
      dbCaFile: str(read, 'dbCaFile'),
      containerInsights: bool(read, 'containerInsights'),
    },
    migration: {
      cpuArchitecture: str(read, 'cpuArchitecture') as CpuArchitecture | undefined,
      cpu: num(read, 'migrationCpu'),
      memoryMiB: num(read, 'migrationMemoryMiB'),
    },
    frontend: {
      contentSecurityPolicy: str(read, 'contentSecurityPolicy'),
      domainName: str(read, 'domainName'),
      certificateArn: str(read, 'certificateArn'),
      hostedZoneId: str(read, 'hostedZoneId'),
      hostedZoneName: str(read, 'hostedZoneName'),
    },
    monitoring: {
      email: str(read, 'alertEmail'),
      maxDbConnections: num(read, 'maxDbConnections'),
    },
    budget: { email: str(read, 'budgetEmail'), limitUsd: num(read, 'budgetLimitUsd') },
  });
}
