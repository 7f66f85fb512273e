import { Aspects, type App, type Environment, Tags } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthStack } from './auth-stack.ts';
import { BackendStack, originTlsOf } from './backend-stack.ts';
import { defaultBudgetUsd } from './budget-default.ts';
import { BudgetStack } from './budget-stack.ts';
import { DatabaseStack } from './database-stack.ts';
import { FrontendStack } from './frontend-stack.ts';
import { MigrationStack } from './migration-stack.ts';
import { MonitoringStack } from './monitoring-stack.ts';
import { NetworkStack } from './network-stack.ts';
import type { InfraSettings } from './settings.ts';
import { StorageStack } from './storage-stack.ts';

export interface BuildOptions {
  /** Pre-built migrate-user code (tests: `Code.fromInline`), so synth never bundles. @default bundled with esbuild */
  migrateUserCode?: lambda.Code;
}

export interface AiuteurStacks {
  network: NetworkStack;
  storage: StorageStack;
  database: DatabaseStack;
  auth: AuthStack;
  backend: BackendStack;
  migration: MigrationStack;
  frontend: FrontendStack;
  monitoring: MonitoringStack;
  budget: BudgetStack;
}

/**
 * Adds the nine stacks to `app`, wired by props (CloudFormation exports between them):
 * network → database → auth → backend → frontend; network, storage, database, auth → migration (CloudFront routes the API path to the backend's load
 * balancer); storage → backend and frontend; database, auth, backend → monitoring; budget stands alone.
 * Environment-agnostic unless settings.account/region are given.
 */
export function buildApp(app: App, settings: InfraSettings, options: BuildOptions = {}): AiuteurStacks {
  const env: Environment | undefined =
    settings.account || settings.region
      ? {
          ...(settings.account ? { account: settings.account } : {}),
          ...(settings.region ? { region: settings.region } : {}),
        }
      : undefined;
  const base = { ...(env ? { env } : {}) };
  const name = (phase: string) => `${settings.stackPrefix}-${phase}`;
  const describe = (phase: string) => `supa2aws target architecture: ${phase}`;

  // With a domain in a hosted zone, CloudFront reaches the ALB over HTTPS at origin.<domain>; else HTTP.
  const originTls = originTlsOf(settings.frontend);
  const network = new NetworkStack(app, name('Network'), {
    ...base,
    description: describe('network (VPC, security groups, endpoints)'),
    settings: settings.network,
    containerPort: settings.backend.containerPort,
    albPort: originTls ? 443 : 80,
    lambdaSecretsEndpoint: settings.auth.migrateUserTrigger,
  });
  const storage = new StorageStack(app, name('Storage'), {
    ...base,
    description: describe('storage (S3 buckets, phase 1)'),
    settings: settings.storage,
  });
  const database = new DatabaseStack(app, name('Database'), {
    ...base,
    description: describe('database (RDS PostgreSQL 16, phase 2)'),
    settings: settings.database,
    network,
  });
  const auth = new AuthStack(app, name('Auth'), {
    ...base,
    description: describe('auth (Cognito user pool and migrate-user trigger, phase 3)'),
    settings: settings.auth,
    network,
    database,
    ...(options.migrateUserCode ? { migrateUserCode: options.migrateUserCode } : {}),
  });
  const originSecretName = `${settings.stackPrefix}/origin-verify`;
  const backend = new BackendStack(app, name('Backend'), {
    ...base,
    description: describe('backend (ECS Fargate API and VideoJobExecutor from an image asset, ALB, phase 4)'),
    settings: settings.backend,
    network,
    storage,
    database,
    auth,
    originSecretName,
    ...(originTls ? { originTls } : {}),
  });
  const migration = new MigrationStack(app, name('Migration'), {
    ...base,
    description: describe('migration (the supa2aws CLI as one-off ECS tasks: supa2aws aws run, phases 1-3)'),
    settings: settings.migration,
    network,
    storage,
    database,
    auth,
  });
  const frontend = new FrontendStack(app, name('Frontend'), {
    ...base,
    description: describe('frontend (S3 + CloudFront: the SPA and the API path, phase 5)'),
    settings: settings.frontend,
    logsBucket: storage.logsBucket,
    api: {
      originDomainName: originTls ? originTls.domainName : backend.loadBalancer.loadBalancerDnsName,
      https: originTls !== undefined,
      path: settings.backend.apiPath,
      originSecretName,
    },
  });
  // The distribution reads the origin secret by name: it must exist first.
  frontend.addStackDependency(backend);
  const monitoring = new MonitoringStack(app, name('Monitoring'), {
    ...base,
    description: describe('alarms (SNS topic, CloudWatch alarms)'),
    settings: { ...settings.monitoring, email: settings.monitoring.email ?? settings.budget.email },
    database,
    auth,
    backend,
    allocatedStorageGiB: settings.database.allocatedStorageGiB,
  });
  const budget = new BudgetStack(app, name('Budget'), {
    ...base,
    description: describe('budget alert'),
    settings: { ...settings.budget, limitUsd: settings.budget.limitUsd ?? defaultBudgetUsd(settings) },
  });

  Tags.of(app).add('app', 'aiuteur');
  Tags.of(app).add('managed-by', 'supa2aws-infra');
  if (settings.nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { network, storage, database, auth, backend, migration, frontend, monitoring, budget };
}
