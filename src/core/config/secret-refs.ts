/**
 * The secrets a config written by `init` or `config from-stack` reads from the environment, and how to get
 * each: where in the Supabase dashboard, or the Secrets Manager command that prints it. The values never
 * reach the file; they go into the environment or a `.env` beside the config (mode 0600).
 */
import {
  APP_DB_PASSWORD_ENV,
  MIGRATE_USER_PASSWORD_ENV,
  TARGET_DB_PASSWORD_ENV,
} from '../stack-outputs/config-from-outputs.ts';

export const SOURCE_DB_PASSWORD_ENV = 'SUPABASE_DB_PASSWORD';
export const SOURCE_S3_ACCESS_KEY_ENV = 'SUPABASE_S3_ACCESS_KEY_ID';
export const SOURCE_S3_SECRET_ENV = 'SUPABASE_S3_SECRET_ACCESS_KEY';
/** The RDS endpoint, until `config from-stack` writes the real host into target.db.url. */
export const TARGET_DB_HOST_ENV = 'SUPA2AWS_TARGET_DB_HOST';
export { APP_DB_PASSWORD_ENV, MIGRATE_USER_PASSWORD_ENV, TARGET_DB_PASSWORD_ENV };

export interface EnvReference {
  /** The variable, as `${NAME}` in the file. */
  name: string;
  /** The config field that reads it. */
  field: string;
  /** Where the value is, in words. */
  how: string;
  /** A shell command that prints the value, when there is one. */
  command?: string;
}

/** The account ID in an ARN (`arn:aws:<service>:<region>:<account>:...`). */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1];
}

/** The region in an ARN. */
export function regionOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1];
}

/**
 * The command that prints an RDS secret (JSON: username, password, host…) and the one that puts its
 * password into the environment variable `name`.
 */
export function dbSecretCommands(
  secretArn: string,
  region: string | undefined,
  name: string = TARGET_DB_PASSWORD_ENV,
): { show: string; exportPassword: string } {
  const at = region ?? regionOfArn(secretArn);
  const show = `aws secretsmanager get-secret-value --secret-id ${secretArn}${at ? ` --region ${at}` : ''} --query SecretString --output text`;
  return {
    show,
    exportPassword: `export ${name}="$(${show} | jq -r .password)"`,
  };
}

/** How to fill each variable the config references, given what is known about the project. */
export function envReferences(options: {
  projectRef?: string;
  /** `target.db.url` still reads the host from the environment. */
  targetHostFromEnv: boolean;
  /** The DbSecretArn output, once the stacks are deployed. */
  dbSecretArn?: string;
  /** The DbMigrateUserSecretArn output: auth.migrateRolePassword reads that secret's password. */
  migrateUserSecretArn?: string;
  /** The DbAppSecretArn output: db.appRole.password reads that secret's password. */
  appSecretArn?: string;
  region?: string;
}): EnvReference[] {
  const dashboard = `https://supabase.com/dashboard/project/${options.projectRef ?? '<ref>'}`;
  const refs: EnvReference[] = [
    {
      name: SOURCE_DB_PASSWORD_ENV,
      field: 'source.db.url',
      how: `the database password you set when creating the project; reset it in the Supabase dashboard → Project Settings → Database (${dashboard}/settings/database) if you no longer have it`,
    },
    {
      name: SOURCE_S3_ACCESS_KEY_ENV,
      field: 'source.storage.accessKeyId',
      how: `Supabase dashboard → Project Settings → Storage → S3 access keys → New access key (${dashboard}/settings/storage): the access key ID`,
    },
    {
      name: SOURCE_S3_SECRET_ENV,
      field: 'source.storage.secretAccessKey',
      how: 'the secret access key shown once beside that access key ID',
    },
  ];
  if (options.targetHostFromEnv) {
    refs.push({
      name: TARGET_DB_HOST_ENV,
      field: 'target.db.url',
      how: 'the RDS endpoint (the DbEndpoint stack output); `supa2aws config from-stack outputs.json` writes it into the file instead',
    });
  }
  if (options.dbSecretArn) {
    const commands = dbSecretCommands(options.dbSecretArn, options.region);
    refs.push({
      name: TARGET_DB_PASSWORD_ENV,
      field: 'target.db.url',
      how: `the "password" of the RDS master secret in Secrets Manager (${commands.show})`,
      command: commands.exportPassword,
    });
  } else {
    refs.push({
      name: TARGET_DB_PASSWORD_ENV,
      field: 'target.db.url',
      how: 'the "password" of the RDS master secret (the DbSecretArn stack output): aws secretsmanager get-secret-value --secret-id <DbSecretArn> --query SecretString --output text',
      command: `export ${TARGET_DB_PASSWORD_ENV}="$(aws secretsmanager get-secret-value --secret-id <DbSecretArn> --query SecretString --output text | jq -r .password)"`,
    });
  }
  if (options.migrateUserSecretArn)
    refs.push(migrateUserReference(options.migrateUserSecretArn, options.region));
  if (options.appSecretArn) refs.push(appRoleReference(options.appSecretArn, options.region));
  return refs;
}

/** auth.migrateRolePassword: the password of the migrate-user role's secret, which the stacks made. */
export function migrateUserReference(secretArn: string, region: string | undefined): EnvReference {
  const commands = dbSecretCommands(secretArn, region, MIGRATE_USER_PASSWORD_ENV);
  return {
    name: MIGRATE_USER_PASSWORD_ENV,
    field: 'auth.migrateRolePassword',
    how: `the "password" of the migrate-user role's secret (the migrate-user Lambda logs in with it): ${commands.show}`,
    command: commands.exportPassword,
  };
}

/** db.appRole.password: the password of the app role's secret, which the API and worker log in with. */
export function appRoleReference(secretArn: string, region: string | undefined): EnvReference {
  const commands = dbSecretCommands(secretArn, region, APP_DB_PASSWORD_ENV);
  return {
    name: APP_DB_PASSWORD_ENV,
    field: 'db.appRole.password',
    how: `the "password" of the app role's secret (the API and worker log in with it; \`supa2aws db app-role\` sets it on the role): ${commands.show}`,
    command: commands.exportPassword,
  };
}
