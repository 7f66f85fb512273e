/**
 * What the app's login role is, compared with what it should be: a LOGIN role that owns nothing, has no
 * role attributes beyond LOGIN, holds exactly the grants the app needs on the app schemas (USAGE; SELECT,
 * INSERT, UPDATE, DELETE on tables; USAGE, SELECT on sequences; EXECUTE on functions), may SET ROLE to the
 * roles the RLS policies name, sees every row of an RLS table only through its own `supa2aws_app_role`
 * policy (the worker's service work, which ran as the owner before), and cannot read the legacy
 * password-hash store. Each check says whether `db app-role` can fix it; both the plan and the verify read
 * this one list.
 */
import { discoverAppSchemas } from '../catalog/schemas.ts';
import { type PgClient } from '../../core/pg.ts';
import { qualified, quoteIdent } from '../../core/sql-quote.ts';

/** The policy `db app-role` puts on every RLS table for the app role. */
export const APP_ROLE_POLICY = 'supa2aws_app_role';

export interface AppRoleSettings {
  /** The login role. */
  name: string;
  /** The NOLOGIN roles withUser switches to (SET LOCAL ROLE); those that exist are granted. */
  memberOf: string[];
  /** The legacy password-hash store's schema (auth.legacySchema): never readable by the app. */
  legacySchema: string;
  /** The migrate-user Lambda's role (auth.migrateRole): the app role must not be a member. */
  migrateRole: string;
}

export type AppRoleCheckId =
  | 'role-exists'
  | 'login'
  | 'attributes'
  | 'owns-nothing'
  | 'not-privileged-member'
  | 'schema-usage'
  | 'no-create'
  | 'table-dml'
  | 'sequence-usage'
  | 'function-execute'
  | 'auth-users'
  | 'member-of'
  | 'rls-policy'
  | 'legacy-store-closed';

export interface AppRoleCheck {
  id: AppRoleCheckId;
  ok: boolean;
  /** What was found: the objects missing a grant, the attribute held, and so on. */
  detail: string;
  /** Objects the check found wanting (at most 50 listed). */
  objects?: string[];
  /** `db app-role` converges it; otherwise an operator must (a hint says how). */
  fixable: boolean;
  hint?: string;
}

export interface AppRoleInspection {
  role: string;
  exists: boolean;
  /** The role running the step: it owns the app and grants. */
  owner: string;
  /** App schemas the role gets USAGE on (the legacy store and supa2aws's own are never among them). */
  schemas: string[];
  /** Roles of `memberOf` that exist in the database. */
  memberOf: string[];
  /** Tables with row-level security on, which get the app role's policy. */
  rlsTables: string[];
  /** Whether the compat `auth` schema (auth.users and the claim functions) is there. */
  compatAuth: boolean;
  /** Schemas it only needs USAGE on: `auth` (compat) and `extensions` (column defaults such as uuid_generate_v4()), when they exist. */
  usageOnly: string[];
  /** Whether the legacy store exists yet (`auth export` creates it). */
  legacyStore: boolean;
  checks: AppRoleCheck[];
}

const MAX_LISTED = 50;

function check(
  id: AppRoleCheckId,
  missing: string[],
  okDetail: string,
  badDetail: string,
  extra: { fixable?: boolean; hint?: string } = {},
): AppRoleCheck {
  const ok = missing.length === 0;
  return {
    id,
    ok,
    detail: ok ? okDetail : `${badDetail} (${missing.length})`,
    ...(ok ? {} : { objects: missing.slice(0, MAX_LISTED) }),
    fixable: extra.fixable ?? true,
    ...(ok || !extra.hint ? {} : { hint: extra.hint }),
  };
}

async function names(client: PgClient, sql: string, params: unknown[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(sql, params);
  return rows.map((r) => r.name);
}

/** Reads the role and every object it should (and should not) reach. Read-only. */
export async function inspectAppRole(
  client: PgClient,
  settings: AppRoleSettings,
): Promise<AppRoleInspection> {
  const role = settings.name;
  const owner = (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
  const schemas = (await discoverAppSchemas(client)).filter((s) => s !== settings.legacySchema);
  const compatAuth =
    (await names(client, `SELECT 'auth' AS name FROM pg_catalog.pg_namespace WHERE nspname = 'auth'`, []))
      .length > 0;
  const usageOnly = await names(
    client,
    `SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname IN ('auth', 'extensions') ORDER BY 1`,
    [],
  );
  const legacyStore =
    (
      await names(client, `SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = $1`, [
        settings.legacySchema,
      ])
    ).length > 0;
  const memberOf = await names(
    client,
    'SELECT rolname AS name FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[]) ORDER BY 1',
    [settings.memberOf],
  );
  const rlsTables = await names(
    client,
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND c.relrowsecurity ORDER BY 1`,
    [schemas],
  );
  const { rows: roleRows } = await client.query<{
    rolcanlogin: boolean;
    rolsuper: boolean;
    rolcreatedb: boolean;
    rolcreaterole: boolean;
    rolreplication: boolean;
    rolbypassrls: boolean;
  }>(
    `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
       FROM pg_catalog.pg_roles WHERE rolname = $1`,
    [role],
  );
  const attrs = roleRows[0];
  const base = { role, owner, schemas, memberOf, rlsTables, compatAuth, usageOnly, legacyStore };
  if (!attrs) {
    return {
      ...base,
      exists: false,
      checks: [
        {
          id: 'role-exists',
          ok: false,
          detail: `role ${role} does not exist`,
          fixable: true,
        },
      ],
    };
  }

  const held = Object.entries({
    SUPERUSER: attrs.rolsuper,
    CREATEDB: attrs.rolcreatedb,
    CREATEROLE: attrs.rolcreaterole,
    REPLICATION: attrs.rolreplication,
    BYPASSRLS: attrs.rolbypassrls,
  })
    .filter(([, on]) => on)
    .map(([name]) => name);

  const owned = await names(
    client,
    `SELECT 'table ' || n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relowner = $1::regrole
     UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_catalog.pg_proc p
       JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.proowner = $1::regrole
     UNION ALL SELECT 'schema ' || nspname FROM pg_catalog.pg_namespace WHERE nspowner = $1::regrole
     UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname FROM pg_catalog.pg_type t
       JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typowner = $1::regrole AND t.typrelid = 0 AND t.typelem = 0
     ORDER BY 1`,
    [quoteIdent(role)],
  );
  const privilegedMembership = await names(
    client,
    `SELECT r.rolname AS name FROM pg_catalog.pg_roles r
      WHERE r.rolname <> $1 AND pg_catalog.pg_has_role($1, r.oid, 'MEMBER')
        AND (r.rolname IN ($2, $3, 'rds_superuser', 'pg_read_all_data', 'pg_write_all_data')
             OR r.rolcreaterole OR r.rolsuper OR r.rolbypassrls)
      ORDER BY 1`,
    [role, owner, settings.migrateRole],
  );
  const noUsage = await names(
    client,
    `SELECT s AS name FROM unnest($2::text[]) s WHERE NOT pg_catalog.has_schema_privilege($1, s, 'USAGE')`,
    [role, [...schemas, ...usageOnly]],
  );
  const canCreate = await names(
    client,
    `SELECT s AS name FROM unnest($2::text[]) s WHERE pg_catalog.has_schema_privilege($1, s, 'CREATE')
     UNION ALL SELECT 'database ' || current_database() WHERE pg_catalog.has_database_privilege($1, current_database(), 'CREATE')`,
    [role, [...schemas, ...(compatAuth ? ['auth'] : [])]],
  );
  const missingDml = await names(
    client,
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND NOT (pg_catalog.has_table_privilege($1, c.oid, 'SELECT')
             AND (c.relkind IN ('v', 'm') OR (pg_catalog.has_table_privilege($1, c.oid, 'INSERT')
             AND pg_catalog.has_table_privilege($1, c.oid, 'UPDATE')
             AND pg_catalog.has_table_privilege($1, c.oid, 'DELETE'))))
      ORDER BY 1`,
    [role, schemas],
  );
  const missingSeq = await names(
    client,
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($2::text[]) AND c.relkind = 'S'
        AND NOT (pg_catalog.has_sequence_privilege($1, c.oid, 'USAGE')
             AND pg_catalog.has_sequence_privilege($1, c.oid, 'SELECT'))
      ORDER BY 1`,
    [role, schemas],
  );
  const missingExec = await names(
    client,
    `SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS name
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($2::text[]) AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        AND NOT pg_catalog.has_function_privilege($1, p.oid, 'EXECUTE')
      ORDER BY 1`,
    [role, [...schemas, ...(compatAuth ? ['auth'] : [])]],
  );
  const authUsers = compatAuth
    ? await names(
        client,
        `SELECT p AS name FROM unnest(ARRAY['SELECT', 'UPDATE']) p
          WHERE to_regclass('auth.users') IS NOT NULL
            AND NOT pg_catalog.has_table_privilege($1, 'auth.users', p)`,
        [role],
      )
    : [];
  const notMember = await names(
    client,
    `SELECT r AS name FROM unnest($2::text[]) r WHERE NOT pg_catalog.pg_has_role($1, r, 'MEMBER')`,
    [role, memberOf],
  );
  const noPolicy = await names(
    client,
    `SELECT t AS name FROM unnest($2::text[]) t
      WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policies p
                         WHERE p.schemaname || '.' || p.tablename = t AND p.policyname = $3
                           AND p.permissive = 'PERMISSIVE' AND p.cmd = 'ALL' AND p.roles = ARRAY[$1]::name[]
                           AND p.qual = 'true' AND p.with_check = 'true')`,
    [role, rlsTables, APP_ROLE_POLICY],
  );
  const legacyOpen = legacyStore
    ? await names(
        client,
        `SELECT 'schema ' || $2 AS name WHERE pg_catalog.has_schema_privilege($1, $2, 'USAGE')
         UNION ALL
         SELECT 'table ' || n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $2 AND c.relkind IN ('r', 'p', 'v', 'm')
            AND pg_catalog.has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE')`,
        [role, settings.legacySchema],
      )
    : [];

  const checks: AppRoleCheck[] = [
    { id: 'role-exists', ok: true, detail: `role ${role} exists`, fixable: true },
    {
      id: 'login',
      ok: attrs.rolcanlogin,
      detail: attrs.rolcanlogin ? 'can log in' : 'NOLOGIN: the app cannot connect as it',
      fixable: true,
    },
    check('attributes', held, 'no attribute beyond LOGIN', 'holds role attributes the app must not have', {
      fixable: false,
      hint: `As the master user: ALTER ROLE ${quoteIdent(role)} ${held.map((a) => `NO${a}`).join(' ')};`,
    }),
    check('owns-nothing', owned, 'owns nothing in this database', 'owns objects', {
      fixable: false,
      hint: `Give them to the owner role: REASSIGN OWNED BY ${quoteIdent(role)} TO ${quoteIdent(owner)};`,
    }),
    check(
      'not-privileged-member',
      privilegedMembership,
      'member of no privileged role',
      'is a member of privileged roles',
      {
        fixable: false,
        hint: `Revoke them: REVOKE <role> FROM ${quoteIdent(role)};`,
      },
    ),
    check(
      'schema-usage',
      noUsage,
      `USAGE on ${[...schemas, ...usageOnly].join(', ')}`,
      'schemas without USAGE',
    ),
    check('no-create', canCreate, 'cannot create objects', 'may create objects in', {
      fixable: false,
      hint: `Revoke it: REVOKE CREATE ON SCHEMA <schema> FROM ${quoteIdent(role)}, PUBLIC;`,
    }),
    check(
      'table-dml',
      missingDml,
      'SELECT, INSERT, UPDATE, DELETE on every app table',
      'tables missing a grant',
    ),
    check('sequence-usage', missingSeq, 'USAGE, SELECT on every app sequence', 'sequences missing a grant'),
    check('function-execute', missingExec, 'EXECUTE on every app function', 'functions missing EXECUTE'),
    check(
      'auth-users',
      authUsers,
      compatAuth ? 'SELECT, UPDATE on auth.users (the Cognito user resolver)' : 'no compat auth schema',
      'auth.users privileges missing',
    ),
    check(
      'member-of',
      notMember,
      `may SET ROLE to ${memberOf.join(', ') || '(none of db.appRole.memberOf exist)'}`,
      'not a member of',
    ),
    check(
      'rls-policy',
      noPolicy,
      `its own policy on ${rlsTables.length} RLS table(s)`,
      'RLS tables without the app role policy',
    ),
    check(
      'legacy-store-closed',
      legacyOpen,
      legacyStore ? `cannot read ${settings.legacySchema}` : `${settings.legacySchema} not created yet`,
      'can reach the legacy password-hash store',
    ),
  ];
  return { ...base, exists: true, checks };
}

/** `schema.name` as a quoted SQL name. */
export function sqlName(dotted: string): string {
  const dot = dotted.indexOf('.');
  return qualified(dotted.slice(0, dot), dotted.slice(dot + 1));
}
