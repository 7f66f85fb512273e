/**
 * What depends on a removed object goes with it: the transform never keeps a caller of something the
 * target will not have. A removed object is one whose statement another rule dropped or blocked (a
 * function calling net.http_post, a foreign-data wrapper, an extension RDS lacks...). Its dependents are
 * found in the parse trees: calls and relations in function bodies (SQL and PL/pgSQL, parsed), triggers'
 * functions, views, column defaults and checks, policies, grants, comments and owners, and the foreign-data
 * chain (wrapper → server → user mappings, foreign tables, imported schemas).
 *
 * The rule, per dependent:
 * - dropped with the chain, and listed with the path to the removed object: functions and procedures,
 *   triggers, views, permissive policies, indexes, servers, user mappings, foreign tables, and any statement
 *   about an object that is itself removed;
 * - blocked (the apply stops before changing anything; `--skip-blocked` leaves it out too) where leaving it out
 *   is the user's decision: a table, or a change to a kept table (a column default, check or foreign key),
 *   because rows or what a column receives would change; and a restrictive policy, because leaving it out
 *   would widen access.
 * A later DROP of a removed object (without IF EXISTS) gets IF EXISTS, so it does not fail on the target.
 * Calls made through dynamic SQL (EXECUTE of a built string) cannot be seen.
 */
import { field, list, str, type QName, type Refs } from '../sql/analyze.ts';
import { deparseStatement } from '../sql/parser.ts';
import { isManagedSchema } from '../supabase-facts.ts';
import { objectLabel } from './references.ts';
import type { Decision } from './types.ts';

const DEFINING_NODES = new Set([
  'CreateFunctionStmt',
  'CreateStmt',
  'CreateForeignTableStmt',
  'ViewStmt',
  'CreateTableAsStmt',
  'CreateSeqStmt',
  'CreateEnumStmt',
  'CreateRangeStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'DefineStmt',
  'CreateFdwStmt',
  'CreateForeignServerStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
]);

const KEY_GROUP: Record<string, string> = {
  function: 'function',
  table: 'relation',
  view: 'relation',
  sequence: 'relation',
  type: 'type',
  server: 'server',
  foreign_data_wrapper: 'fdw',
  trigger: 'trigger',
  policy: 'policy',
};

const qualified = (q: QName) => `${q.schema ?? 'public'}.${q.name}`;

function key(kind: string, q: QName, table?: QName): string | undefined {
  const group = KEY_GROUP[kind];
  if (!group) return undefined;
  if (group === 'server' || group === 'fdw') return `${group}:${q.name}`;
  if (group === 'trigger' || group === 'policy')
    return table ? `${group}:${qualified(table)}.${q.name}` : undefined;
  return `${group}:${qualified(q)}`;
}

const alive = (d: Decision) => d.action === 'keep' || d.action === 'rewrite';

/** The object a definition creates, as a key. */
function defines(d: Decision): string | undefined {
  const t = d.info.target;
  if (d.statement.node === 'CreateExtensionStmt' && t && d.rule === 'unsupported_extension')
    return `fdw:${t.name}`; // an extension that brings a wrapper of its own name, as postgres_fdw does
  if (!DEFINING_NODES.has(d.statement.node) || !t) return undefined;
  if (isManagedSchema(t.table?.schema ?? t.schema)) return undefined;
  return key(t.kind, t, t.table);
}

interface Need {
  key: string;
  /** The statement is about this object (GRANT/COMMENT/ALTER on it, an index on its table). */
  own: boolean;
}

function refKeys(refs: Refs | undefined): string[] {
  if (!refs) return [];
  return [
    ...refs.functions.map((q) => key('function', q)),
    ...refs.relations.map((q) => key('table', q)),
    ...refs.types.map((q) => key('type', q)),
  ].filter((k): k is string => k !== undefined);
}

/** Every removable object a statement needs. */
function needs(d: Decision, self: string | undefined): Need[] {
  const out: Need[] = [];
  const t = d.info.target;
  const ast = d.statement.ast;
  if (t && !self) {
    const own = key(t.kind, t, t.table);
    if (own) out.push({ key: own, own: true });
  }
  if (t?.table) out.push({ key: `relation:${qualified(t.table)}`, own: true });
  if (d.statement.node === 'CreateForeignServerStmt')
    out.push({ key: `fdw:${String(ast.fdwname)}`, own: true });
  if (d.statement.node === 'CreateForeignTableStmt')
    out.push({ key: `server:${String(ast.servername)}`, own: true });
  for (const k of [...refKeys(d.info.refs), ...refKeys(d.info.bodyRefs)])
    if (k !== self) out.push({ key: k, own: false });
  return out;
}

function label(d: Decision): string {
  return objectLabel(d.info, `${d.info.tag} (${d.statement.source}:${d.statement.line})`).replace(
    /^create /,
    '',
  );
}

/** The chain from a removed statement to the first removed object, that object's cause last. */
export function pathOf(d: Decision): string[] {
  if (d.path) return d.path;
  const cause = d.cause ?? (d.reason ?? String(d.rule)).split(/(?<=\.)\s/)[0]!.replace(/\.$/, '');
  return [label(d), cause];
}

const DROP_KIND: Record<string, string> = {
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_AGGREGATE: 'function',
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'table',
  OBJECT_MATVIEW: 'table',
  OBJECT_SEQUENCE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_FDW: 'foreign_data_wrapper',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_POLICY: 'policy',
};

const dotted = (parts: string[]): QName =>
  parts.length > 1
    ? { schema: parts[parts.length - 2], name: parts[parts.length - 1]! }
    : { name: parts[0] ?? '' };

/** The objects a DROP statement names, as keys. */
function droppedKeys(d: Decision): string[] {
  const kind = DROP_KIND[String(d.statement.ast.removeType)];
  if (!kind) return [];
  const keys: Array<string | undefined> = list(d.statement.ast.objects).map((object) => {
    const fn = field(object, 'ObjectWithArgs');
    const type = field(object, 'TypeName');
    const names = fn
      ? list(field(fn, 'objname'))
      : type
        ? list(field(type, 'names'))
        : field(object, 'String')
          ? [object]
          : list(object);
    const parts = names.map(str).filter((p): p is string => p !== undefined);
    if (kind === 'trigger' || kind === 'policy')
      return key(kind, { name: parts[parts.length - 1] ?? '' }, dotted(parts.slice(0, -1)));
    return key(kind, dotted(parts));
  });
  return keys.filter((k): k is string => k !== undefined);
}

/** Why a dependent cannot simply go, or undefined when it is dropped with the chain. */
function mustDecide(d: Decision, ownHit: boolean): string | undefined {
  const node = d.statement.node;
  if (ownHit) return undefined;
  if (node === 'CreateStmt')
    return 'a table is not left out silently: its rows would not be migrated. Change the definition on the source (or drop the column default or check that needs it), then run again';
  if (node === 'AlterTableStmt')
    return 'this changes a kept table (a default, check or key): leaving it out changes what the table accepts. Change it on the source, then run again';
  if (node === 'CreatePolicyStmt' && d.statement.ast.permissive !== true)
    return 'a restrictive policy is not left out: that would widen access. Rewrite the policy on the source, then run again';
  return undefined;
}

/**
 * Functions that an extension left out brings (from the source catalog: `schema.name` → extension), each
 * with the CREATE EXTENSION statement that was dropped, as removed objects.
 */
export function extensionFunctionsRemoved(
  decisions: Decision[],
  catalog: Record<string, string>,
): Map<string, Decision> {
  const droppedExtensions = new Map(
    decisions
      .filter((d) => d.statement.node === 'CreateExtensionStmt' && d.rule === 'unsupported_extension')
      .map((d) => [d.info.target?.name ?? '', d]),
  );
  const out = new Map<string, Decision>();
  for (const [fn, extension] of Object.entries(catalog)) {
    const by = droppedExtensions.get(extension);
    if (by) out.set(`function:${fn}`, by);
  }
  return out;
}

/**
 * Drops (or blocks) everything that needs a removed object, until nothing more goes. `alsoRemoved`: objects
 * no statement defines that are gone too (functions of an extension left out), with the statement that
 * removed them.
 */
export function removeDependents(decisions: Decision[], alsoRemoved = new Map<string, Decision>()): void {
  for (let changed = true; changed;) {
    changed = false;
    const kept = new Set(decisions.filter(alive).map(defines).filter(Boolean));
    const removed = new Map(alsoRemoved);
    for (const d of decisions) {
      if (alive(d)) continue;
      const k = defines(d);
      if (k && !kept.has(k) && !removed.has(k)) removed.set(k, d);
    }
    if (removed.size === 0) return;
    for (const d of decisions) {
      if (!alive(d)) continue;
      if (d.statement.node === 'DropStmt') {
        const gone = droppedKeys(d).find((k) => removed.has(k));
        if (!gone || d.statement.ast.missing_ok === true || d.rule === 'depends_on_dropped') continue;
        d.action = 'rewrite';
        d.rule = 'depends_on_dropped';
        d.path = [`drop of ${pathOf(removed.get(gone)!).join(' → ')}`];
        d.reason = `${pathOf(removed.get(gone)!)[0]} is not migrated: dropped only if it exists.`;
        d.text = deparseStatement({ DropStmt: { ...d.statement.ast, missing_ok: true } });
        changed = true;
        continue;
      }
      const self = defines(d);
      const hit = needs(d, self).find((n) => removed.has(n.key));
      if (!hit) continue;
      const gone = removed.get(hit.key)!;
      const [first, ...rest] = pathOf(gone);
      // A GRANT, COMMENT or ALTER on the removed object itself reads `grant on function public.f()`.
      const about = hit.own && !self && d.info.target && hit.key === key(d.info.target.kind, d.info.target);
      const path = about ? [`${d.info.tag.toLowerCase()} on ${first}`, ...rest] : [label(d), first!, ...rest];
      const decide = mustDecide(d, hit.own);
      d.action = decide ? 'block' : 'drop';
      d.rule = 'depends_on_dropped';
      d.path = path;
      d.reason = `needs ${label(gone)}, which is not migrated${decide ? `; ${decide}` : ''}. Path: ${path.join(' → ')}`;
      delete d.text;
      changed = true;
    }
  }
}
