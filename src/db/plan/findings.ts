/**
 * The verdicts of `db plan`, from what was read: blockers (with what to do about each), warnings, and the
 * fixes supa2aws applies by itself. Pure: each group of findings is its own function, in the order the plan
 * lists them.
 */
import { EXTENSIONS, extensionVerdict, isPlatformRole } from '../supabase-facts.ts';
import type { Finding } from '../transform/types.ts';
import type { DbPlan } from './db-plan.ts';
import type { Inventory } from './inventory.ts';
import type { ObjectUses } from './object-uses.ts';

/** What the findings are drawn from. */
export interface PlanFacts {
  inv: Inventory;
  schemas: string[];
  target: DbPlan['target'];
  pgDump: DbPlan['pgDump'];
  extensions: DbPlan['extensions'];
  uses: ObjectUses;
  /** `schema.table` of the tables without a primary key. */
  withoutPk: string[];
}

interface Findings {
  blockers: Finding[];
  warnings: Finding[];
}

function extensionFindings(extensions: DbPlan['extensions']): Findings {
  const out: Findings = { blockers: [], warnings: [] };
  for (const e of extensions) {
    const missing = e.rds16 === 'unsupported' || e.rds16 === 'unknown';
    if (missing && e.usedBy.length > 0)
      out.blockers.push({
        severity: 'blocker',
        code: 'DB_UNSUPPORTED_EXTENSION_USED',
        message: `${e.name} is not available on RDS 16 and the app uses it.`,
        advice: e.advice,
        objects: e.usedBy,
      });
    else if (missing)
      out.warnings.push({
        severity: 'warning',
        code: 'DB_UNSUPPORTED_EXTENSION_UNUSED',
        message: `${e.name} is not available on RDS 16; nothing in the app schemas uses it, so it is left out.`,
        advice: e.advice,
      });
    else if (e.rds16 === 'parameter-group' && (e.usedBy.length > 0 || e.name === 'pg_cron'))
      out.warnings.push({
        severity: 'warning',
        code: 'DB_EXTENSION_NEEDS_PARAMETER_GROUP',
        message: `${e.name} needs the RDS parameter group.`,
        advice: e.advice,
      });
  }
  return out;
}

function objectBlockers(uses: ObjectUses): Finding[] {
  const blockers: Finding[] = uses.callingUnsupported
    .filter((c) => c.object.startsWith('function '))
    .map((c): Finding => ({
      severity: 'blocker',
      code: 'DB_FUNCTION_CALLS_UNSUPPORTED',
      message: `${c.object} calls ${c.calls.join(', ')}, which RDS 16 does not have.`,
      advice: c.extensions.map((e) => extensionVerdict(e).advice).join(' '),
      objects: [c.object],
    }));
  // A function is blocked like any other object: `db schema` does not keep a caller of something removed.
  for (const s of uses.supabaseOnly)
    blockers.push({
      severity: 'blocker',
      code: 'DB_USES_SUPABASE_ONLY_OBJECTS',
      message: `${s.object} uses ${s.uses.join(', ')}, which exist only on Supabase.`,
      advice: 'Rewrite it against app tables (or the compat auth.users / auth.uid()).',
      objects: [s.object],
    });
  return blockers;
}

/** The tools and the two connections: pg_dump, the target's reachability, version, user and emptiness. */
function connectionFindings({ inv, schemas, target, pgDump }: PlanFacts): Findings {
  const out: Findings = { blockers: [], warnings: [] };
  if (!pgDump.ok)
    out.warnings.push({
      severity: 'warning',
      code: 'DB_PG_DUMP_UNAVAILABLE',
      message: pgDump.error ?? 'no usable pg_dump',
      advice:
        'Install a pg_dump at least as new as the source, or use `supa2aws db schema --from-migrations supabase/migrations`.',
    });
  if (target && !target.reachable)
    out.warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_UNREACHABLE',
      message: `the target is not reachable: ${target.error}`,
      advice: 'Check target.db.url and the security group; `supa2aws doctor` tests reachability.',
    });
  if (target?.reachable && (target.major ?? 0) < inv.major)
    out.blockers.push({
      severity: 'blocker',
      code: 'DB_TARGET_OLDER',
      message: `the target runs PostgreSQL ${target.major}, older than the source's ${inv.major}.`,
      advice: 'Create the RDS instance with engine version 16 (or newer).',
    });
  if (target?.reachable && target.superuser)
    out.warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_SUPERUSER',
      message: `the target user ${target.user} is a superuser, unlike RDS's master user: permission problems would not show here.`,
    });
  if (target?.reachable && !target.schemaApplied && (target.appTables ?? 0) > 0)
    out.warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_NOT_EMPTY',
      message: `the target already has ${target.appTables} table(s) in ${schemas.join(', ')} that supa2aws did not create.`,
      advice: 'Apply to an empty database (drop and re-create it).',
    });
  if (!inv.user.bypassRls && !inv.user.superuser)
    out.warnings.push({
      severity: 'warning',
      code: 'DB_SOURCE_RLS_APPLIES',
      message: `the source user ${inv.user.name} is subject to RLS: copies of tables it does not own could miss rows.`,
      advice: 'Use the postgres user (it has BYPASSRLS on Supabase).',
    });
  return out;
}

/** Foreign keys from the app into auth.* and storage.*. */
export function foreignKeysIntoSupabase(inv: Inventory): Inventory['foreignKeys'] {
  return inv.foreignKeys.filter(
    (f) => f.references.startsWith('auth.') || f.references.startsWith('storage.'),
  );
}

/** Tables without a key, and what Supabase's storage and auth tables held that does not move as SQL. */
function tableWarnings({ inv, uses, withoutPk }: PlanFacts): Finding[] {
  const warnings: Finding[] = [];
  if (withoutPk.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_TABLES_WITHOUT_PRIMARY_KEY',
      message:
        'Tables without a primary key: verified with one whole-table digest (no key ranges); logical replication needs REPLICA IDENTITY FULL for their updates and deletes.',
      objects: withoutPk,
    });
  if (uses.storagePolicies.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_STORAGE_POLICIES',
      message: 'Policies on storage.objects are not migrated as SQL.',
      advice: 'They become S3 bucket policies / presigned URLs (supa2aws storage).',
      objects: uses.storagePolicies,
    });
  const storageTriggers = inv.managedTableTriggers.filter((t) => t.table.startsWith('storage.'));
  if (storageTriggers.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_STORAGE_TRIGGERS',
      message: 'Triggers on storage.objects are not migrated.',
      advice: 'Use S3 event notifications or app code after the upload.',
      objects: storageTriggers.map((t) => `${t.name} → ${t.function}()`),
    });
  const fkDropped = foreignKeysIntoSupabase(inv).filter((f) => f.references !== 'auth.users');
  if (fkDropped.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_FOREIGN_KEYS_INTO_SUPABASE',
      message: 'Foreign keys into Supabase tables other than auth.users are dropped.',
      objects: fkDropped.map((f) => `${f.table}.${f.name} → ${f.references}`),
    });
  return warnings;
}

/** Database features the platform served: event triggers, publications, pg_cron, service_role. */
function platformWarnings({ inv, uses }: PlanFacts): Finding[] {
  const warnings: Finding[] = [];
  if (inv.eventTriggers.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_EVENT_TRIGGERS',
      message: 'Event triggers are dropped: they need a superuser (they served PostgREST).',
      objects: inv.eventTriggers.map((e) => `${e.name} (${e.event}) → ${e.function}()`),
    });
  const otherPubs = inv.publications.filter((p) => p.name !== 'supabase_realtime');
  if (otherPubs.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_PUBLICATIONS',
      message: 'Publications other than supabase_realtime are kept; FOR ALL TABLES needs rds_superuser.',
      objects: otherPubs.map((p) => p.name),
    });
  if (uses.usingCron.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_USES_PG_CRON',
      message: `${uses.usingCron.length} object(s) use pg_cron, which RDS has once its parameter group loads it; each is listed with what db schema does with it.`,
      advice: EXTENSIONS.pg_cron?.advice,
      objects: uses.usingCron,
    });
  if ((inv.cronJobs ?? 0) > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_CRON_JOBS',
      message: `${inv.cronJobs} pg_cron job(s) are not migrated.`,
      advice: EXTENSIONS.pg_cron?.advice,
    });
  warnings.push({
    severity: 'warning',
    code: 'DB_SERVICE_ROLE_NO_BYPASSRLS',
    message: 'service_role is created on the target without BYPASSRLS.',
    advice: 'Connect the backend as the owner role, or grant BYPASSRLS from the master user.',
  });
  return warnings;
}

function authFixes(inv: Inventory, uses: ObjectUses): Finding[] {
  const authFks = foreignKeysIntoSupabase(inv).filter((f) => f.references === 'auth.users');
  const authTriggers = inv.managedTableTriggers.filter((t) => t.table === 'auth.users');
  return [
    {
      severity: 'info',
      code: 'DB_COMPAT_AUTH',
      message: `Compat auth schema: auth.users keyed by the Supabase UUID (+ cognito_sub) and auth.uid()/role()/email()/jwt(): ${uses.policiesCallingAuth.length} policies calling auth.*, ${authFks.length} FKs to auth.users and ${authTriggers.length} trigger(s) on it keep working unchanged.`,
      objects: [...authTriggers.map((t) => `trigger ${t.name} on auth.users → ${t.function}()`)],
    },
    {
      severity: 'info',
      code: 'DB_API_ROLES',
      message: 'anon, authenticated and service_role are created as NOLOGIN roles; grants to them are kept.',
    },
  ];
}

function planFixes({ inv, uses, extensions }: PlanFacts): Finding[] {
  const fixes = authFixes(inv, uses);
  const platformGrants = inv.grants.filter((g) => isPlatformRole(g.role));
  if (platformGrants.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_PLATFORM_GRANTS',
      message: `Grants to Supabase platform roles are dropped: ${platformGrants.map((g) => `${g.role} (${g.objects})`).join(', ')}.`,
    });
  const installs = extensions.filter((e) => e.rds16 === 'supported' && e.name !== 'plpgsql');
  if (installs.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_EXTENSIONS',
      message: `Installed into the extensions schema (so extensions.x() calls resolve): ${installs.map((e) => e.name).join(', ')}.`,
    });
  if (inv.publications.some((p) => p.name === 'supabase_realtime'))
    fixes.push({
      severity: 'info',
      code: 'DB_REALTIME',
      message: 'The supabase_realtime publication is dropped (Realtime is not used).',
    });
  if (inv.generatedColumns.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_GENERATED_COLUMNS',
      message: 'Generated columns are left out of the data copy (the target computes them).',
      objects: inv.generatedColumns,
    });
  fixes.push({
    severity: 'info',
    code: 'DB_OWNERS',
    message:
      'Every object is owned by the target owner role; loads run as that role, without superuser settings.',
  });
  return fixes;
}

export function planFindings(facts: PlanFacts): Pick<DbPlan, 'blockers' | 'warnings' | 'fixes'> {
  const extension = extensionFindings(facts.extensions);
  const connection = connectionFindings(facts);
  return {
    blockers: [...extension.blockers, ...objectBlockers(facts.uses), ...connection.blockers],
    warnings: [
      ...extension.warnings,
      ...connection.warnings,
      ...tableWarnings(facts),
      ...platformWarnings(facts),
    ],
    fixes: planFixes(facts),
  };
}
