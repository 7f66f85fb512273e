/**
 * What the target needs before the app's schema: supa2aws's bookkeeping, the API roles, the `extensions`
 * schema with the extensions the app uses, and the compat `auth` schema — a slim `auth.users` keyed by the
 * Supabase user UUID plus `auth.uid() / role() / email() / jwt()` with Supabase's exact semantics — so
 * foreign keys to auth.users, triggers on it and RLS policies keep working unchanged.
 * Every statement is safe to run again.
 */
import { API_ROLES, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import type { ExtensionInstall } from './types.ts';
import { quoteIdent, quoteLiteral } from '../../core/sql-quote.ts';

const BOOKKEEPING_SQL: string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${SUPA2AWS_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${SUPA2AWS_SCHEMA}.schema_migrations (
  checksum text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  statements integer NOT NULL,
  summary jsonb NOT NULL
)`,
];

const ROLES_SQL = `DO $supa2aws$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY[${API_ROLES.map(quoteLiteral).join(', ')}] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      -- Roles are the cluster's, not the database's: another apply on the same server may create it first.
      BEGIN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
    -- The owner (RDS master user) must be able to SET ROLE to them, as runtime/db's withUser() does; on
    -- PostgreSQL 16 a CREATEROLE creator only gets ADMIN OPTION, not membership, until it grants itself.
    BEGIN
      IF pg_catalog.current_setting('server_version_num')::int >= 160000 THEN
        EXECUTE pg_catalog.format('GRANT %I TO %I WITH SET TRUE', r, current_user);
      ELSE
        EXECUTE pg_catalog.format('GRANT %I TO %I', r, current_user);
      END IF;
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
      RAISE WARNING 'supa2aws: % cannot grant itself role %; grant it before using withUser()', current_user, r;
    END;
  END LOOP;
END
$supa2aws$`;

const API_GRANTEES = API_ROLES.join(', ');

/** The claim functions, as Supabase defines them: the per-claim setting first, then request.jwt.claims. */
function claimFunction(name: 'uid' | 'role' | 'email', type: 'uuid' | 'text', claim: string): string {
  return `CREATE OR REPLACE FUNCTION auth.${name}()
  RETURNS ${type}
  LANGUAGE sql STABLE
  SET search_path TO ''
AS $$
  SELECT
    coalesce(
      nullif(current_setting('request.jwt.claim.${claim}', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> '${claim}')
    )::${type}
$$`;
}

const COMPAT_AUTH_SQL: string[] = [
  `CREATE SCHEMA IF NOT EXISTS auth`,
  `GRANT USAGE ON SCHEMA auth TO ${API_GRANTEES}`,
  `CREATE TABLE IF NOT EXISTS auth.users (
  id uuid PRIMARY KEY,
  email text,
  phone text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  raw_user_meta_data jsonb,
  raw_app_meta_data jsonb,
  is_anonymous boolean NOT NULL DEFAULT false,
  cognito_sub text UNIQUE
)`,
  `COMMENT ON TABLE auth.users IS 'supa2aws compat: Supabase user ids, kept as the app''s user ids; cognito_sub maps each to its Cognito user.'`,
  claimFunction('uid', 'uuid', 'sub'),
  claimFunction('role', 'text', 'role'),
  claimFunction('email', 'text', 'email'),
  `CREATE OR REPLACE FUNCTION auth.jwt()
  RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path TO ''
AS $$
  SELECT
    coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$`,
  `GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt() TO ${API_GRANTEES}`,
];

/** Sessions of every role resolve unqualified extension functions as they did on Supabase. */
const SEARCH_PATH_SQL = `DO $supa2aws$
BEGIN
  EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', pg_catalog.current_database());
END
$supa2aws$`;

function extensionSql(install: ExtensionInstall): string {
  return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(install.name)} WITH SCHEMA ${quoteIdent(install.schema)}`;
}

/**
 * What Supabase's platform gives the API roles on `public` and nowhere else, as supabase/postgres sets it up
 * (migrations/db/init-scripts/00000000000000-initial-schema.sql: `grant usage on schema public to postgres,
 * anon, authenticated, service_role;` and `alter default privileges in schema public grant all on tables |
 * functions | sequences to postgres, anon, authenticated, service_role;`, also `for user supabase_admin`), as
 * Supabase's "Securing your API" guide lists them (tables: every privilege; functions: execute; sequences:
 * all). Projects created since 2026-05-30 may have "Default privileges for new entities" turned off (Supabase
 * changelog 45329); their migrations then grant explicitly and the option is turned off. Run by the role that
 * applies the schema, so they cover every object it creates next; `postgres` needs none on the target (the
 * owner role owns everything).
 */
const API_DEFAULT_PRIVILEGES_SQL: string[] = [
  `GRANT USAGE ON SCHEMA public TO ${API_GRANTEES}`,
  ...['TABLES', 'SEQUENCES', 'FUNCTIONS'].map(
    (objects) => `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON ${objects} TO ${API_GRANTEES}`,
  ),
];

export interface PreludeOptions {
  /** Add {@link API_DEFAULT_PRIVILEGES_SQL}. @default false */
  apiDefaultPrivileges?: boolean;
}

/** The prelude statements, in order. */
export function preludeSql(extensions: ExtensionInstall[], options: PreludeOptions = {}): string[] {
  const schemas = [...new Set(extensions.map((e) => e.schema))].filter((s) => s !== 'extensions');
  return [
    `SET check_function_bodies = false`,
    `SELECT pg_catalog.set_config('search_path', '"$user", public, extensions', false)`,
    ...BOOKKEEPING_SQL,
    ROLES_SQL,
    ...(options.apiDefaultPrivileges === true ? API_DEFAULT_PRIVILEGES_SQL : []),
    `CREATE SCHEMA IF NOT EXISTS extensions`,
    `GRANT USAGE ON SCHEMA extensions TO ${API_GRANTEES}`,
    ...schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`),
    ...extensions.map(extensionSql),
    ...COMPAT_AUTH_SQL,
    SEARCH_PATH_SQL,
  ];
}
