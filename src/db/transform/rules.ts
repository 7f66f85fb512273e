/**
 * The rules of DESIGN §5, one statement at a time: keep it as written, rewrite it, drop it (and say why),
 * or block it (something the app relies on cannot exist on RDS). Order matters: the first rule that
 * applies decides.
 */
import { display, field, list, rangeVar, str, type QName, type StatementInfo } from '../sql/analyze.ts';
import type { SqlStatement } from '../sql/split.ts';
import {
  API_ROLES,
  EXTENSIONS,
  extensionVerdict,
  isManagedSchema,
  isPlatformRole,
} from '../supabase-facts.ts';
import { objectLabel, refProblems, type RefProblems } from './references.ts';
import {
  addedForeignKeys,
  alterSubtypes,
  ownerOf,
  removeForeignKeys,
  rewriteGrantees,
  rewriteOwner,
  rewritePolicyRoles,
  rewriteRoleGrant,
  type RoleMap,
} from './rewrite.ts';
import type { Decision, ExtensionInstall, RuleId } from './types.ts';
import { quoteLiteral } from '../../core/sql-quote.ts';

export interface RuleContext {
  owner: string;
  rls: 'keep' | 'drop';
  catalog: Record<string, string>;
  /** Extensions to create in the prelude, by name. */
  installs: Map<string, ExtensionInstall>;
  /** Extensions declared by the script but not installed, with why (for the report). */
  skippedExtensions: Map<string, { rule: RuleId; reason: string }>;
  /** Problems seen in function bodies: kept, but reported. */
  bodyWarnings: Array<{ object: string; problems: RefProblems }>;
}

type Verdict = Omit<Decision, 'statement' | 'info'>;

const keep: Verdict = { action: 'keep' };
const drop = (rule: RuleId, reason: string): Verdict => ({ action: 'drop', rule, reason });
const block = (rule: RuleId, reason: string, cause?: string): Verdict => ({
  action: 'block',
  rule,
  reason,
  ...(cause ? { cause } : {}),
});
const rewrite = (rule: RuleId, reason: string, text: string): Verdict => ({
  action: 'rewrite',
  rule,
  reason,
  text,
});

function roleMap(ctx: RuleContext): RoleMap {
  return (role) => (isPlatformRole(role) ? null : role === 'postgres' ? ctx.owner : role);
}

function extensionRule(statement: SqlStatement, ctx: RuleContext): Verdict {
  const name = String(statement.ast.extname);
  const fact = EXTENSIONS[name];
  const verdict = extensionVerdict(name);
  let schema: string | undefined;
  for (const option of list(statement.ast.options)) {
    const def = field(option, 'DefElem');
    if (field(def, 'defname') === 'schema') schema = str(field(def, 'arg'));
  }
  if (name === 'plpgsql') return drop('extension', 'plpgsql is built in.');
  if (verdict.rds16 === 'unsupported' || verdict.rds16 === 'unknown') {
    const reason = `${name} is not available on RDS for PostgreSQL 16. ${verdict.advice}`;
    ctx.skippedExtensions.set(name, { rule: 'unsupported_extension', reason });
    return { ...drop('unsupported_extension', reason), cause: 'not on RDS 16' };
  }
  if (verdict.rds16 === 'parameter-group') {
    ctx.skippedExtensions.set(name, {
      rule: name === 'pg_cron' ? 'pg_cron' : 'extension',
      reason: verdict.advice,
    });
    return drop(name === 'pg_cron' ? 'pg_cron' : 'extension', verdict.advice);
  }
  const target = schema && !isManagedSchema(schema) ? schema : (fact?.fixedSchema ?? 'extensions');
  if (!ctx.installs.has(name)) ctx.installs.set(name, { name, schema: target, from: 'declared' });
  return drop(
    'extension',
    `created by the prelude as CREATE EXTENSION IF NOT EXISTS ... WITH SCHEMA ${target}.`,
  );
}

function roleRule(statement: SqlStatement, info: StatementInfo, ctx: RuleContext): Verdict | undefined {
  const name = info.target?.name ?? '';
  if (statement.node === 'CreateRoleStmt') {
    if (API_ROLES.includes(name))
      return drop('api_role', `${name} is created by the prelude as a NOLOGIN role.`);
    if (isPlatformRole(name) || name === 'postgres')
      return drop('platform_role', `${name} is a Supabase platform role; the target does not need it.`);
    const sql = `DO $supa2aws$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${quoteLiteral(name)}) THEN\n    ${statement.text.replace(/\n/g, '\n    ')};\n  END IF;\nEND\n$supa2aws$`;
    return rewrite('idempotent_role', 'roles are shared by the whole server: created only if missing.', sql);
  }
  if (statement.node === 'AlterRoleStmt' || statement.node === 'AlterRoleSetStmt') {
    if (isPlatformRole(name) || name === 'postgres')
      return drop(
        'platform_role',
        `${name} is a Supabase platform role (or the Supabase admin); its settings stay behind.`,
      );
    return keep;
  }
  if (statement.node === 'GrantRoleStmt') {
    const result = rewriteRoleGrant(statement, roleMap(ctx));
    if (result.sql === null) return drop('platform_role', 'membership of a Supabase platform role.');
    if (result.changed)
      return rewrite(
        'platform_role',
        'Supabase platform roles removed; postgres mapped to the owner role.',
        result.sql,
      );
    return keep;
  }
  return undefined;
}

function managedRule(statement: SqlStatement, info: StatementInfo): Verdict | undefined {
  const t = info.target;
  if (!t) return undefined;
  if (statement.node === 'CreateSchemaStmt' || t.kind === 'schema') {
    if (isManagedSchema(t.name)) {
      return drop(
        'managed_schema',
        `${t.name} is managed by Supabase${t.name === 'auth' || t.name === 'extensions' ? '; the prelude creates the compat version' : ''}.`,
      );
    }
    if (statement.node === 'CreateSchemaStmt' && t.name === 'public')
      return drop('existing_object', 'the public schema already exists on the target.');
    return undefined;
  }
  const schema = t.table?.schema ?? t.schema;
  if (!isManagedSchema(schema)) return undefined;
  const table = t.table ?? (t.kind === 'table' ? t : undefined);
  const onAuthUsers = table?.schema === 'auth' && table.name === 'users';
  if (schema === 'storage' && (t.kind === 'policy' || statement.node === 'CreatePolicyStmt'))
    return drop(
      'storage_policy',
      `policies on ${display(table ?? t)} become S3 bucket policies and presigned URLs (supa2aws storage).`,
    );
  if (schema === 'storage' && t.kind === 'trigger')
    return drop(
      'storage_trigger',
      `triggers on ${display(table ?? t)} become S3 event notifications (or app code after the upload).`,
    );
  if (schema === 'storage' && statement.node === 'InsertStmt' && t.name === 'buckets')
    return drop('storage_bucket', 'buckets become S3 buckets, created by `supa2aws storage`.');
  // The app's triggers on auth.users (and comments on them) stay: the compat auth.users has them too.
  if (onAuthUsers && t.kind === 'trigger') return undefined;
  return drop(
    'managed_schema',
    `${schema} is managed by Supabase${schema === 'auth' ? '; the prelude creates the compat auth.users and auth functions' : ''}.`,
  );
}

function fkTargets(statement: SqlStatement): QName[] {
  if (statement.node === 'AlterTableStmt') return addedForeignKeys(statement);
  if (statement.node !== 'CreateStmt') return [];
  const out: QName[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const c = (node as Record<string, unknown>).Constraint;
    if (c && field(c, 'contype') === 'CONSTR_FOREIGN') {
      const ref = rangeVar(field(c, 'pktable'));
      if (ref) out.push(ref);
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(statement.ast.tableElts);
  return out;
}

const intoManaged = (ref: QName) =>
  isManagedSchema(ref.schema) && !(ref.schema === 'auth' && ref.name === 'users');

function referenceRule(statement: SqlStatement, info: StatementInfo, ctx: RuleContext): Verdict | undefined {
  const fks = fkTargets(statement);
  const problems = refProblems(info.refs, ctx.catalog, fks);
  const label = objectLabel(info, info.tag);
  for (const need of problems.needsExtension) noteInferred(need.extension, ctx);
  if (info.bodyRefs) {
    const body = refProblems(info.bodyRefs, ctx.catalog);
    for (const need of body.needsExtension) noteInferred(need.extension, ctx);
    if (body.unsupported.length > 0) problems.unsupported.push(...body.unsupported);
    // A body using a Supabase-only object would fail when it reaches it: blocked like a direct use. pg_cron's
    // functions exist once pg_cron is enabled on RDS, so a body calling them is kept, with a warning.
    if (body.managed.length > 0) problems.managed.push(...body.managed);
    if (body.cron.length > 0) ctx.bodyWarnings.push({ object: label, problems: { ...body, managed: [] } });
  }
  if (problems.unsupported.length > 0) {
    const uses = problems.unsupported.map((u) => `${u.ref} (${u.extension})`).join(', ');
    const advice = [...new Set(problems.unsupported.map((u) => extensionVerdict(u.extension).advice))].join(
      ' ',
    );
    return block(
      'unsupported_extension',
      `${label} uses ${uses}, not available on RDS 16. ${advice}`,
      `uses ${uses}: not on RDS 16`,
    );
  }
  if (problems.cron.length > 0 && statement.node !== 'CreateFunctionStmt') {
    return drop(
      'pg_cron',
      `schedules work with pg_cron (${problems.cron.join(', ')}): run it again on RDS once pg_cron is enabled in the parameter group.`,
    );
  }
  if (problems.managed.length > 0) {
    const uses = [...new Set(problems.managed)].join(', ');
    return block(
      'managed_reference',
      `${label} uses ${uses}, which exist only on Supabase. Rewrite it against app tables (or the compat auth.users), then run again.`,
      `uses ${uses}: only on Supabase`,
    );
  }
  const badFks = fks.filter(intoManaged);
  if (badFks.length > 0) {
    const names = badFks.map(display).join(', ');
    if (statement.node === 'AlterTableStmt') {
      return drop(
        'fk_to_managed',
        `foreign key into ${names}, which does not exist on the target; keep the ids, check them in the app.`,
      );
    }
    const removed = removeForeignKeys(statement, intoManaged);
    return rewrite(
      'fk_to_managed',
      `foreign key into ${names} removed: that table does not exist on the target.`,
      removed.sql,
    );
  }
  return undefined;
}

/**
 * A foreign-data wrapper cannot be created on RDS: PostgreSQL lets only superusers create one ("Only
 * superusers can create foreign-data wrappers", CREATE FOREIGN DATA WRAPPER), and RDS gives no superuser.
 * The wrappers RDS has (postgres_fdw, mysql_fdw...) come with their extension, which pg_dump does not dump.
 */
function foreignDataWrapperRule(statement: SqlStatement, ctx: RuleContext): Verdict {
  const name = String(statement.ast.fdwname);
  let handler: string | undefined;
  for (const option of list(statement.ast.func_options)) {
    const def = field(option, 'DefElem');
    if (field(def, 'defname') === 'handler') {
      const parts = list(field(def, 'arg')).map(str);
      handler = parts.filter(Boolean).join('.');
    }
  }
  const handlerName = handler?.split('.').pop() ?? '';
  const extension =
    (handler && (ctx.catalog[handler] ?? ctx.catalog[`public.${handler}`])) ??
    (ctx.skippedExtensions.has('wrappers') && handlerName.endsWith('_fdw_handler') ? 'wrappers' : undefined);
  const from = extension
    ? ` Its handler ${handler} comes from ${extension}. ${extensionVerdict(extension).advice}`
    : '';
  return block(
    'foreign_data_wrapper',
    `foreign-data wrapper ${name}: only a superuser may create one, and RDS has none (the master user is rds_superuser, not a superuser); its servers, user mappings and foreign tables cannot be migrated.${from} Move the access into the app, or use an RDS wrapper (postgres_fdw), then run again.`,
    `a foreign-data wrapper needs a superuser to create${extension ? ` (from ${extension}, not on RDS 16)` : ''}`,
  );
}

function noteInferred(extension: string, ctx: RuleContext): void {
  if (ctx.installs.has(extension) || ctx.skippedExtensions.has(extension)) return;
  const fact = EXTENSIONS[extension];
  if (fact?.rds16 !== 'supported') return;
  ctx.installs.set(extension, {
    name: extension,
    schema: fact.fixedSchema ?? 'extensions',
    from: 'inferred',
  });
}

function privilegeRule(statement: SqlStatement, ctx: RuleContext): Verdict | undefined {
  const map = roleMap(ctx);
  if (statement.node === 'GrantStmt' || statement.node === 'AlterDefaultPrivilegesStmt') {
    const result = rewriteGrantees(statement, map);
    if (result.sql === null) return drop('platform_role', 'granted only to (or by) Supabase platform roles.');
    if (result.changed)
      return rewrite(
        'platform_role',
        'grants to Supabase platform roles removed; postgres mapped to the owner role.',
        result.sql,
      );
    return keep;
  }
  if (statement.node === 'CreatePolicyStmt' || statement.node === 'AlterPolicyStmt') {
    const result = rewritePolicyRoles(statement, map);
    if (result.sql === null) return drop('platform_role', 'a policy only for Supabase platform roles.');
    if (result.changed)
      return rewrite('platform_role', 'Supabase platform roles removed from the policy.', result.sql);
    return keep;
  }
  const owner = ownerOf(statement);
  if (owner !== undefined && owner !== ctx.owner) {
    const result = rewriteOwner(statement, ctx.owner);
    return rewrite('owner', `owner ${owner} reassigned to ${ctx.owner}.`, result.sql ?? statement.text);
  }
  return undefined;
}

const RLS_SUBTYPES = new Set(['AT_EnableRowSecurity', 'AT_ForceRowSecurity']);

/** Decides what happens to one statement. */
export function decide(statement: SqlStatement, info: StatementInfo, ctx: RuleContext): Verdict {
  const { node, ast } = statement;
  const kind = info.target?.kind;
  if (node === 'VariableSetStmt' && ast.name === 'transaction_timeout') {
    return drop(
      'pg_dump_artifact',
      'written by pg_dump 17; PostgreSQL 16 has no transaction_timeout setting.',
    );
  }
  if (kind === 'event_trigger') {
    return drop(
      'event_trigger',
      'event triggers need a superuser, which RDS does not give; they served Supabase (PostgREST schema reload).',
    );
  }
  if (kind === 'publication') {
    if (info.target?.name === 'supabase_realtime')
      return drop('realtime_publication', 'Supabase Realtime is not used on AWS (the app polls).');
    return privilegeRule(statement, ctx) ?? keep;
  }
  if (node === 'CreateExtensionStmt') return extensionRule(statement, ctx);
  if (node === 'CreateFdwStmt') return foreignDataWrapperRule(statement, ctx);
  if (kind === 'extension') return drop('extension', 'extensions are created by the prelude.');
  const role = roleRule(statement, info, ctx);
  if (role) return role;
  const managed = managedRule(statement, info);
  if (managed) return managed;
  if (ctx.rls === 'drop') {
    if (node === 'CreatePolicyStmt' || node === 'AlterPolicyStmt' || kind === 'policy')
      return drop('rls_drop', '--rls drop: policies are left out.');
    const subtypes = node === 'AlterTableStmt' ? alterSubtypes(statement) : [];
    if (subtypes.length > 0 && subtypes.every((s) => RLS_SUBTYPES.has(s)))
      return drop('rls_drop', '--rls drop: row level security stays off.');
  }
  const refs = referenceRule(statement, info, ctx);
  if (refs) return refs;
  return privilegeRule(statement, ctx) ?? keep;
}
