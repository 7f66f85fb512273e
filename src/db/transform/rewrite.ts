/**
 * Statement rewrites that need a changed parse tree (grantee lists, owners, inline foreign keys):
 * the tree is copied, changed, and deparsed. Only statements that must change go through here;
 * everything else keeps its original text.
 */
import { field, isNode, list, rangeVar, roleName, type QName } from '../sql/analyze.ts';
import { deparseStatement, type AstNode } from '../sql/parser.ts';
import type { SqlStatement } from '../sql/split.ts';

export type RoleMap = (role: string) => string | null;

function clone(statement: SqlStatement): AstNode {
  return structuredClone(statement.stmt);
}

function roleSpec(name: string): AstNode {
  return { roletype: 'ROLESPEC_CSTRING', rolename: name, location: -1 };
}

/** Maps each grantee through `map` (null removes it); returns undefined when none is left. */
function mapRoleList(items: unknown, map: RoleMap): { items: unknown[]; changed: boolean } {
  let changed = false;
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const item of list(items)) {
    const name = roleName(item);
    if (name === undefined || name === 'PUBLIC') {
      out.push(item);
      continue;
    }
    const mapped = map(name);
    if (mapped !== name) changed = true;
    if (mapped === null || seen.has(mapped)) {
      changed = true;
      continue;
    }
    seen.add(mapped);
    out.push(mapped === name ? item : { RoleSpec: roleSpec(mapped) });
  }
  return { items: out, changed };
}

export interface RewriteResult {
  /** The new SQL, or null when nothing is left (every grantee removed). */
  sql: string | null;
  changed: boolean;
}

/** GRANT / REVOKE (also inside ALTER DEFAULT PRIVILEGES) with grantees mapped. */
export function rewriteGrantees(statement: SqlStatement, map: RoleMap): RewriteResult {
  const stmt = clone(statement);
  const node = statement.node;
  let grant = stmt[node] as AstNode;
  let changed = false;
  if (node === 'AlterDefaultPrivilegesStmt') {
    for (const option of list(grant.options)) {
      const def = field(option, 'DefElem');
      if (field(def, 'defname') !== 'roles') continue;
      const arg = field(def, 'arg') as AstNode;
      const mapped = mapRoleList(arg, map);
      if (mapped.items.length === 0) return { sql: null, changed: true };
      changed ||= mapped.changed;
      (arg.List as AstNode).items = mapped.items;
    }
    grant = grant.action as AstNode;
  }
  const mapped = mapRoleList(grant.grantees, map);
  if (mapped.items.length === 0) return { sql: null, changed: true };
  changed ||= mapped.changed;
  grant.grantees = mapped.items;
  return { sql: changed ? deparseStatement(stmt) : statement.text, changed };
}

/** GRANT role TO role: both lists mapped. */
export function rewriteRoleGrant(statement: SqlStatement, map: RoleMap): RewriteResult {
  const stmt = clone(statement);
  const grant = stmt.GrantRoleStmt as AstNode;
  let changed = false;
  const granted: unknown[] = [];
  for (const item of list(grant.granted_roles)) {
    const name = field(field(item, 'AccessPriv'), 'priv_name');
    const mapped = typeof name === 'string' ? map(name) : name;
    if (mapped === null) {
      changed = true;
      continue;
    }
    granted.push(item);
  }
  const grantees = mapRoleList(grant.grantee_roles, map);
  if (granted.length === 0 || grantees.items.length === 0) return { sql: null, changed: true };
  changed ||= grantees.changed;
  grant.granted_roles = granted;
  grant.grantee_roles = grantees.items;
  return { sql: changed ? deparseStatement(stmt) : statement.text, changed };
}

/** CREATE POLICY ... TO roles: roles mapped; null when none is left. */
export function rewritePolicyRoles(statement: SqlStatement, map: RoleMap): RewriteResult {
  const stmt = clone(statement);
  const policy = stmt[statement.node] as AstNode;
  const mapped = mapRoleList(policy.roles, map);
  if (mapped.items.length === 0) return { sql: null, changed: true };
  if (!mapped.changed) return { sql: statement.text, changed: false };
  policy.roles = mapped.items;
  return { sql: deparseStatement(stmt), changed: true };
}

/** Every `OWNER TO` / `AUTHORIZATION` role in the statement, mapped. */
export function rewriteOwner(statement: SqlStatement, owner: string): RewriteResult {
  const stmt = clone(statement);
  let changed = false;
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n));
    if (!isNode(node)) return;
    if ((key === 'newowner' || key === 'authrole') && typeof node.rolename === 'string') {
      if (node.rolename !== owner) {
        node.rolename = owner;
        changed = true;
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  visit(stmt);
  return { sql: changed ? deparseStatement(stmt) : statement.text, changed };
}

/** The owner named by an owner-changing statement, if any. */
export function ownerOf(statement: SqlStatement): string | undefined {
  let found: string | undefined;
  const visit = (node: unknown, key?: string): void => {
    if (found !== undefined) return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n));
    if (!isNode(node)) return;
    if ((key === 'newowner' || key === 'authrole') && typeof node.rolename === 'string') {
      found = node.rolename;
      return;
    }
    for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  visit(statement.stmt);
  return found;
}

/** Foreign keys of a CREATE TABLE (inline or table-level) whose referenced table matches `drop`. */
export function removeForeignKeys(
  statement: SqlStatement,
  drop: (referenced: QName) => boolean,
): { sql: string; removed: QName[] } {
  const stmt = clone(statement);
  const create = stmt.CreateStmt as AstNode;
  const removed: QName[] = [];
  const keep = (constraint: unknown): boolean => {
    const c = field(constraint, 'Constraint');
    if (field(c, 'contype') !== 'CONSTR_FOREIGN') return true;
    const ref = rangeVar(field(c, 'pktable'));
    if (ref && drop(ref)) {
      removed.push(ref);
      return false;
    }
    return true;
  };
  const elements: unknown[] = [];
  for (const element of list(create.tableElts)) {
    const column = field(element, 'ColumnDef');
    if (isNode(column) && Array.isArray(column.constraints))
      column.constraints = column.constraints.filter(keep);
    if (field(element, 'Constraint') !== undefined && !keep(element)) continue;
    elements.push(element);
  }
  create.tableElts = elements;
  return { sql: removed.length > 0 ? deparseStatement(stmt) : statement.text, removed };
}

/** Foreign keys an ALTER TABLE ... ADD CONSTRAINT adds. */
export function addedForeignKeys(statement: SqlStatement): QName[] {
  const out: QName[] = [];
  for (const cmd of list(statement.ast.cmds)) {
    const c = field(field(field(cmd, 'AlterTableCmd'), 'def'), 'Constraint');
    if (field(c, 'contype') !== 'CONSTR_FOREIGN') continue;
    const ref = rangeVar(field(c, 'pktable'));
    if (ref) out.push(ref);
  }
  return out;
}

/** The ALTER TABLE subcommand types of a statement. */
export function alterSubtypes(statement: SqlStatement): string[] {
  return list(statement.ast.cmds).map((c) => String(field(field(c, 'AlterTableCmd'), 'subtype')));
}
