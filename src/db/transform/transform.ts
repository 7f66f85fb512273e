/**
 * Supabase schema → RDS schema. Splits the scripts with the PostgreSQL parser, decides each statement
 * (rules.ts), drops what depends on something dropped, and reports every drop and rewrite and why.
 * Pure: no database is touched.
 */
import { analyzeStatement, type StatementInfo } from '../sql/analyze.ts';
import { loadParser } from '../sql/parser.ts';
import { splitSql, type SqlStatement, type StrippedLine } from '../sql/split.ts';
import { transactionControl } from '../sql/transaction-control.ts';
import { extensionVerdict } from '../supabase-facts.ts';
import { extensionFunctionsRemoved, pathOf, removeDependents } from './dependents.ts';
import { precreatedSchemas } from './extension-schemas.ts';
import { objectLabel } from './references.ts';
import { decide, type RuleContext } from './rules.ts';
import type { Decision, DroppedObject, Finding, RuleId, TransformOptions, TransformResult } from './types.ts';

export interface SqlScript {
  /** File name shown in positions and the summary. */
  source: string;
  sql: string;
}

const WARN_RULES: Partial<Record<RuleId, { code: string; message: string; advice?: string }>> = {
  storage_policy: {
    code: 'DB_STORAGE_POLICIES_DROPPED',
    message: 'Policies on storage.objects are not migrated as SQL.',
    advice: 'Express them as S3 bucket policies / presigned URLs: `supa2aws storage plan` shows each bucket.',
  },
  storage_trigger: {
    code: 'DB_STORAGE_TRIGGERS_DROPPED',
    message: 'Triggers on storage.objects are not migrated.',
    advice: 'Use S3 event notifications (Lambda/SQS) or run the logic in the app after the upload.',
  },
  fk_to_managed: {
    code: 'DB_FOREIGN_KEYS_INTO_SUPABASE_DROPPED',
    message: 'Foreign keys into Supabase-managed tables (other than auth.users) were removed.',
    advice: 'The id columns keep their values; check them in the app if they matter.',
  },
  pg_cron: {
    code: 'DB_PG_CRON_JOBS',
    message: 'pg_cron is not enabled on a new RDS instance; its jobs were left out.',
    advice: 'Add pg_cron to shared_preload_libraries in the parameter group, then run the listed statements.',
  },
  depends_on_dropped: {
    code: 'DB_DEPENDENTS_DROPPED',
    message:
      'Objects that need a dropped or blocked object were left out with it (each with its path to that object).',
    advice:
      'Nothing kept calls what is not migrated. Rebuild what the app still needs against what the target has.',
  },
  unsupported_extension: {
    code: 'DB_UNSUPPORTED_EXTENSIONS_DROPPED',
    message:
      'Extensions RDS 16 does not offer were left out; what uses them is blocked or left out with them (see the blockers and DB_DEPENDENTS_DROPPED).',
  },
  transaction_control: {
    code: 'DB_TRANSACTION_CONTROL_REMOVED',
    message:
      'Transaction control in the migration files was removed: the schema is applied in one transaction.',
  },
  event_trigger: {
    code: 'DB_EVENT_TRIGGERS_DROPPED',
    message: 'Event triggers were left out: they need a superuser.',
  },
};

const BLOCKER_CODES: Partial<Record<RuleId, string>> = {
  unsupported_extension: 'DB_UNSUPPORTED_EXTENSION_USED',
  foreign_data_wrapper: 'DB_FOREIGN_DATA_WRAPPER',
  depends_on_dropped: 'DB_DEPENDENT_NEEDS_DECISION',
  transaction_control: 'DB_MIGRATION_TRANSACTION_CONTROL',
};

function findings(result: TransformResult, ctx: RuleContext, stripped: StrippedLine[]): void {
  const label = (d: Decision) =>
    objectLabel(d.info, `${d.info.tag} (${d.statement.source}:${d.statement.line})`);
  for (const d of result.decisions.filter((x) => x.action === 'block')) {
    result.blockers.push({
      severity: 'blocker',
      code: BLOCKER_CODES[d.rule ?? 'managed_reference'] ?? 'DB_SUPABASE_ONLY_REFERENCE',
      message: d.reason ?? '',
      objects: [`${d.path ? d.path.join(' → ') : label(d)} (${d.statement.source}:${d.statement.line})`],
    });
  }
  const byRule = new Map<RuleId, Decision[]>();
  for (const d of result.decisions) {
    if (d.action === 'keep' || !d.rule) continue;
    byRule.set(d.rule, [...(byRule.get(d.rule) ?? []), d]);
  }
  for (const [rule, spec] of Object.entries(WARN_RULES) as Array<[RuleId, (typeof WARN_RULES)[RuleId]]>) {
    const ds = (byRule.get(rule) ?? []).filter((d) => d.action === 'drop' || d.action === 'rewrite');
    if (!spec || ds.length === 0) continue;
    const objects =
      rule === 'pg_cron'
        ? ds.map((d) => d.statement.text)
        : rule === 'unsupported_extension'
          ? ds.map(
              (d) =>
                `extension ${d.info.target?.name}: ${extensionVerdict(d.info.target?.name ?? '').advice}`,
            )
          : rule === 'depends_on_dropped'
            ? ds.map((d) => `${pathOf(d).join(' → ')} (${d.statement.source}:${d.statement.line})`)
            : ds.map((d) => `${label(d)}${d.reason ? ` — ${d.reason}` : ''}`);
    result.warnings.push({
      severity: 'warning',
      code: spec.code,
      message: spec.message,
      ...(spec.advice ? { advice: spec.advice } : {}),
      objects: [...new Set(objects)],
    });
  }
  for (const w of ctx.bodyWarnings) {
    const refs = [...w.problems.managed, ...w.problems.cron];
    result.warnings.push({
      severity: 'warning',
      code: 'DB_FUNCTION_USES_SUPABASE_OBJECTS',
      message: `${w.object} calls ${refs.join(', ')}, which the target does not have; it is created, but fails when it reaches that call.`,
      advice:
        'Rewrite the function against app tables, or keep the feature on Supabase until it is replaced.',
      objects: [w.object],
    });
  }
  const publications = result.decisions.filter(
    (d) => d.info.target?.kind === 'publication' && d.action === 'keep',
  );
  if (publications.length > 0) {
    result.warnings.push({
      severity: 'warning',
      code: 'DB_PUBLICATION_KEPT',
      message: 'Publications other than supabase_realtime are kept; FOR ALL TABLES needs rds_superuser.',
      objects: publications.map(label),
    });
  }
  result.warnings.push({
    severity: 'warning',
    code: 'DB_SERVICE_ROLE_NO_BYPASSRLS',
    message: 'service_role is created without BYPASSRLS (only a role that has it may grant it).',
    advice:
      'Connect the backend as the owner role (owners are not subject to RLS unless FORCE is set), or grant BYPASSRLS from the master user.',
  });
  const count = (rule: RuleId) => (byRule.get(rule) ?? []).length;
  const fix = (code: string, message: string, objects?: string[]) =>
    result.fixes.push({ severity: 'info', code, message, ...(objects ? { objects } : {}) });
  fix(
    'DB_COMPAT_AUTH',
    'Compat auth schema: auth.users (id, email, phone, created_at, updated_at, metadata, cognito_sub) and auth.uid()/role()/email()/jwt() reading request.jwt.claims; FKs, triggers and policies on them work unchanged.',
  );
  fix(
    'DB_API_ROLES',
    'anon, authenticated and service_role are created as NOLOGIN roles, so grants and `TO authenticated` policies stay as written.',
  );
  if (result.apiDefaultPrivileges)
    fix(
      'DB_API_DEFAULT_PRIVILEGES',
      "Supabase's privileges for anon, authenticated and service_role on public reproduced: USAGE on the schema and default privileges on its new tables, sequences and functions.",
    );
  if (result.extensions.length > 0)
    fix(
      'DB_EXTENSIONS',
      `Extensions created with IF NOT EXISTS: ${result.extensions.map((e) => `${e.name} in ${e.schema}`).join(', ')}; the database search_path includes extensions.`,
    );
  if (count('owner') > 0)
    fix('DB_OWNERS', `${count('owner')} ownership statement(s) reassigned to ${result.ownerRole}.`);
  if (count('platform_role') > 0)
    fix(
      'DB_PLATFORM_ROLES',
      `${count('platform_role')} grant(s)/policies to Supabase platform roles dropped or trimmed.`,
    );
  if (count('realtime_publication') > 0)
    fix(
      'DB_REALTIME',
      `supabase_realtime publication: ${count('realtime_publication')} statement(s) dropped.`,
    );
  if (count('managed_schema') > 0)
    fix('DB_MANAGED_SCHEMAS', `${count('managed_schema')} statement(s) on Supabase-managed schemas dropped.`);
  const artifacts = [
    ...(count('pg_dump_artifact') > 0
      ? [
          `${count('pg_dump_artifact')} SET transaction_timeout (written by pg_dump 17; PostgreSQL 16 lacks it)`,
        ]
      : []),
    ...(stripped.length > 0
      ? [
          `${stripped.length} psql meta-command line(s): ${[...new Set(stripped.map((l) => l.text.split(/\s/)[0]))].join(', ')}`,
        ]
      : []),
  ];
  if (artifacts.length > 0)
    fix('DB_PG_DUMP_ARTIFACTS', `Not SQL for the target, removed: ${artifacts.join('; ')}.`);
  const authTriggers = result.decisions.filter(
    (d) =>
      d.action !== 'drop' &&
      d.action !== 'block' &&
      d.info.target?.kind === 'trigger' &&
      d.info.target.table?.schema === 'auth',
  );
  if (authTriggers.length > 0)
    fix('DB_AUTH_TRIGGERS', 'Triggers on auth.users kept on the compat table.', authTriggers.map(label));
}

const DEFINING_NODES = new Set(['IndexStmt', 'ViewStmt', 'DefineStmt', 'CompositeTypeStmt', 'RuleStmt']);

/** Objects the source has and the target deliberately will not (definitions only, once each). */
function dropped(decisions: Decision[]): DroppedObject[] {
  const seen = new Set<string>();
  return decisions
    .filter((d) => (d.action === 'drop' || d.action === 'block') && d.info.target && d.rule)
    .filter((d) => d.statement.node.startsWith('Create') || DEFINING_NODES.has(d.statement.node))
    .filter((d) => {
      const key = JSON.stringify([
        d.info.target?.kind,
        d.info.target?.schema,
        d.info.target?.name,
        d.info.target?.table,
      ]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((d) => {
      const t = d.info.target!;
      return {
        kind: t.kind,
        name: t.name,
        rule: d.rule!,
        ...(t.schema ? { schema: t.schema } : {}),
        ...(t.table ? { table: t.table } : {}),
      };
    });
}

/** The schema is applied in one transaction: the files' own transaction control is removed or refused. */
function transactionVerdict(statement: SqlStatement): Omit<Decision, 'statement' | 'info'> | undefined {
  const verdict = transactionControl(statement);
  if (verdict === undefined) return undefined;
  return verdict === 'remove'
    ? {
        action: 'drop',
        rule: 'transaction_control',
        reason: 'the schema is applied in one transaction of its own; this statement would end it half-way.',
      }
    : {
        action: 'block',
        rule: 'transaction_control',
        reason: `\`${statement.text}\` undoes or hands off work the file did; applied in one transaction it cannot mean the same.`,
      };
}

/** Transforms scripts (one pg_dump, or migrations in order) into the target's schema. */
export async function transformSchema(
  scripts: SqlScript[],
  options: TransformOptions = {},
): Promise<TransformResult> {
  await loadParser();
  const ctx: RuleContext = {
    owner: options.ownerRole ?? 'postgres',
    rls: options.rls ?? 'keep',
    catalog: options.extensionFunctions ?? {},
    installs: new Map(),
    skippedExtensions: new Map(),
    bodyWarnings: [],
  };
  const statements: Array<{ statement: SqlStatement; info: StatementInfo }> = [];
  const stripped: StrippedLine[] = [];
  for (const script of scripts) {
    const split = splitSql(script.sql, script.source);
    stripped.push(...split.stripped);
    for (const statement of split.statements)
      statements.push({ statement, info: analyzeStatement(statement) });
  }
  const decisions: Decision[] = statements.map(({ statement, info }) => ({
    statement,
    info,
    ...(transactionVerdict(statement) ?? decide(statement, info, ctx)),
  }));
  removeDependents(decisions, extensionFunctionsRemoved(decisions, ctx.catalog));
  precreatedSchemas(decisions, [...ctx.installs.values()]);
  const result: TransformResult = {
    version: 1,
    ownerRole: ctx.owner,
    rls: ctx.rls,
    apiDefaultPrivileges: options.apiDefaultPrivileges ?? false,
    decisions,
    extensions: [...ctx.installs.values()],
    blockers: [],
    warnings: [],
    fixes: [],
    stripped,
    dropped: dropped(decisions),
  };
  findings(result, ctx, stripped);
  return result;
}

export type { Finding };
