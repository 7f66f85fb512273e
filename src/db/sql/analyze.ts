/**
 * Reads a statement's parse tree: what object it creates or changes, and every relation, function, type
 * and role it mentions (function bodies included, SQL and PL/pgSQL, through the parser).
 */
import type { AstNode } from './parser.ts';
import type { SqlStatement } from './split.ts';
import { functionBodyRefs } from './function-body.ts';

export interface QName {
  schema?: string;
  name: string;
}

export interface Refs {
  relations: QName[];
  functions: QName[];
  types: QName[];
  roles: string[];
}

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'sequence'
  | 'index'
  | 'function'
  | 'type'
  | 'trigger'
  | 'policy'
  | 'extension'
  | 'event_trigger'
  | 'publication'
  | 'role'
  | 'rule'
  | 'column'
  | 'constraint'
  | 'database'
  | 'server'
  | 'foreign_data_wrapper'
  | 'other';

export interface StatementTarget {
  kind: ObjectKind;
  schema?: string;
  name: string;
  /** For objects that belong to a table (trigger, policy, index, column, constraint, rule). */
  table?: QName;
}

export interface StatementInfo {
  /** Short human label: `CREATE TABLE`, `GRANT`, `ALTER ... OWNER`... */
  tag: string;
  /** The object the statement creates, changes, grants on or comments on. */
  target?: StatementTarget;
  refs: Refs;
  /** Functions called from this statement's function body (CREATE FUNCTION / DO), if any. */
  bodyRefs?: Refs;
}

export const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function field(node: unknown, key: string): unknown {
  return isNode(node) ? node[key] : undefined;
}

export function str(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  const inner = field(node, 'String');
  const sval = field(inner ?? node, 'sval');
  return typeof sval === 'string' ? sval : undefined;
}

export function list(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  const items = field(field(node, 'List'), 'items');
  return Array.isArray(items) ? items : [];
}

/** A dotted name from a list of String nodes: [schema, name] or [name]. */
export function qname(items: unknown): QName | undefined {
  const parts = list(items)
    .map(str)
    .filter((s): s is string => s !== undefined);
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1] as string;
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name };
}

export function rangeVar(node: unknown): QName | undefined {
  const rv = field(node, 'RangeVar') ?? node;
  const relname = field(rv, 'relname');
  if (typeof relname !== 'string') return undefined;
  const schemaname = field(rv, 'schemaname');
  return typeof schemaname === 'string' ? { schema: schemaname, name: relname } : { name: relname };
}

export function roleName(node: unknown): string | undefined {
  const spec = field(node, 'RoleSpec') ?? node;
  const roletype = field(spec, 'roletype');
  if (roletype === 'ROLESPEC_PUBLIC') return 'PUBLIC';
  const name = field(spec, 'rolename');
  return typeof name === 'string' ? name : undefined;
}

export function emptyRefs(): Refs {
  return { relations: [], functions: [], types: [], roles: [] };
}

/** Collects references anywhere in a tree. */
export function collectRefs(tree: unknown, into: Refs = emptyRefs()): Refs {
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isNode(node)) return;
    if (typeof node.relname === 'string') {
      const rv = rangeVar(node);
      if (rv) into.relations.push(rv);
    }
    if (Array.isArray(node.names) && 'typemod' in node) {
      const type = qname(node.names);
      if (type) into.types.push(type);
    }
    if (typeof node.rolename === 'string') into.roles.push(node.rolename);
    if (key === 'FuncCall' || key === 'CreateTrigStmt' || key === 'CreateEventTrigStmt') {
      const fn = qname(node.funcname);
      if (fn) into.functions.push(fn);
    }
    for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  visit(tree);
  return into;
}

function objectWithArgs(node: unknown): QName | undefined {
  return qname(field(field(node, 'ObjectWithArgs') ?? node, 'objname'));
}

function defElem(options: unknown, name: string): unknown {
  for (const option of list(options)) {
    const def = field(option, 'DefElem');
    if (field(def, 'defname') === name) return field(def, 'arg');
  }
  return undefined;
}

const OBJECT_KIND: Record<string, ObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_INDEX: 'index',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_AGGREGATE: 'function',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
  OBJECT_EVENT_TRIGGER: 'event_trigger',
  OBJECT_PUBLICATION: 'publication',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_POLICY: 'policy',
  OBJECT_RULE: 'rule',
  OBJECT_COLUMN: 'column',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_ROLE: 'role',
  OBJECT_DATABASE: 'database',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_FDW: 'foreign_data_wrapper',
};

/** The object named by a GRANT / COMMENT / ALTER ... OWNER / ALTER ... SET SCHEMA. */
function namedObject(objtype: unknown, object: unknown): StatementTarget | undefined {
  const kind = OBJECT_KIND[String(objtype)] ?? 'other';
  if (kind === 'function') {
    const fn = objectWithArgs(object);
    return fn && { kind, ...fn };
  }
  if (isNode(object) && ('RangeVar' in object || typeof object.relname === 'string')) {
    const rv = rangeVar(object);
    return rv && { kind, ...rv };
  }
  if (kind === 'type') {
    const tn = field(object, 'TypeName') ?? object;
    const q = qname(field(tn, 'names'));
    if (q) return { kind, ...q };
  }
  const single = str(object);
  if (single !== undefined) return { kind, name: single };
  const parts = list(object)
    .map(str)
    .filter((s): s is string => s !== undefined);
  if (parts.length === 0) return undefined;
  if (
    kind === 'column' ||
    kind === 'trigger' ||
    kind === 'policy' ||
    kind === 'rule' ||
    kind === 'constraint'
  ) {
    const name = parts[parts.length - 1] as string;
    const rel = parts.slice(0, -1);
    const table: QName =
      rel.length > 1
        ? { schema: rel[rel.length - 2], name: rel[rel.length - 1] as string }
        : { name: rel[0] ?? '' };
    return { kind, name, table, ...(table.schema ? { schema: table.schema } : {}) };
  }
  const q = qname(parts.map((sval) => ({ String: { sval } })));
  return q && { kind, ...q };
}

function onTable(kind: ObjectKind, name: string, relation: unknown): StatementTarget {
  const table = rangeVar(relation);
  return { kind, name, ...(table ? { table, ...(table.schema ? { schema: table.schema } : {}) } : {}) };
}

/** What a statement is about. */
function statementTarget(node: string, ast: AstNode): { tag: string; target?: StatementTarget } {
  switch (node) {
    case 'CreateSchemaStmt':
      return {
        tag: 'CREATE SCHEMA',
        target: { kind: 'schema', name: String(ast.schemaname ?? roleName(ast.authrole)) },
      };
    case 'CreateStmt': {
      const rv = rangeVar(ast.relation);
      return { tag: 'CREATE TABLE', ...(rv ? { target: { kind: 'table', ...rv } } : {}) };
    }
    case 'CreateSeqStmt':
    case 'AlterSeqStmt': {
      const rv = rangeVar(ast.sequence);
      const tag = node === 'CreateSeqStmt' ? 'CREATE SEQUENCE' : 'ALTER SEQUENCE';
      return { tag, ...(rv ? { target: { kind: 'sequence', ...rv } } : {}) };
    }
    case 'ViewStmt': {
      const rv = rangeVar(ast.view);
      return { tag: 'CREATE VIEW', ...(rv ? { target: { kind: 'view', ...rv } } : {}) };
    }
    case 'CreateTableAsStmt': {
      const rv = rangeVar(field(ast.into, 'rel') ?? field(field(ast.into, 'IntoClause'), 'rel'));
      return { tag: 'CREATE MATERIALIZED VIEW', ...(rv ? { target: { kind: 'view', ...rv } } : {}) };
    }
    case 'IndexStmt':
      return { tag: 'CREATE INDEX', target: onTable('index', String(ast.idxname ?? ''), ast.relation) };
    case 'CreateFunctionStmt': {
      const fn = qname(ast.funcname);
      const tag = ast.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
      return { tag, ...(fn ? { target: { kind: 'function', ...fn } } : {}) };
    }
    case 'CreateTrigStmt':
      return { tag: 'CREATE TRIGGER', target: onTable('trigger', String(ast.trigname), ast.relation) };
    case 'CreatePolicyStmt':
      return { tag: 'CREATE POLICY', target: onTable('policy', String(ast.policy_name), ast.table) };
    case 'AlterPolicyStmt':
      return { tag: 'ALTER POLICY', target: onTable('policy', String(ast.policy_name), ast.table) };
    case 'RuleStmt':
      return { tag: 'CREATE RULE', target: onTable('rule', String(ast.rulename), ast.relation) };
    case 'AlterTableStmt': {
      const kind = OBJECT_KIND[String(ast.objtype)] ?? 'table';
      const rv = rangeVar(ast.relation);
      const subtypes = list(ast.cmds).map((c) => String(field(field(c, 'AlterTableCmd'), 'subtype')));
      const tag = subtypes.includes('AT_ChangeOwner')
        ? 'ALTER ... OWNER'
        : subtypes.includes('AT_AddConstraint')
          ? 'ALTER TABLE ADD CONSTRAINT'
          : 'ALTER TABLE';
      return { tag, ...(rv ? { target: { kind, ...rv } } : {}) };
    }
    case 'AlterOwnerStmt': {
      const target = namedObject(ast.objectType, ast.object);
      return { tag: 'ALTER ... OWNER', ...(target ? { target } : {}) };
    }
    case 'AlterObjectSchemaStmt': {
      const target =
        namedObject(ast.objectType, ast.object) ??
        (ast.relation ? { kind: 'table' as const, ...rangeVar(ast.relation)! } : undefined);
      return { tag: 'ALTER ... SET SCHEMA', ...(target ? { target } : {}) };
    }
    case 'AlterFunctionStmt': {
      const fn = objectWithArgs(ast.func);
      return { tag: 'ALTER FUNCTION', ...(fn ? { target: { kind: 'function', ...fn } } : {}) };
    }
    case 'CommentStmt': {
      const target = namedObject(ast.objtype, ast.object);
      return { tag: 'COMMENT', ...(target ? { target } : {}) };
    }
    case 'GrantStmt': {
      const first = list(ast.objects)[0];
      const target =
        ast.targtype === 'ACL_TARGET_ALL_IN_SCHEMA'
          ? ({ kind: 'schema', name: str(first) ?? '' } as StatementTarget)
          : namedObject(ast.objtype, first);
      return { tag: ast.is_grant ? 'GRANT' : 'REVOKE', ...(target ? { target } : {}) };
    }
    case 'GrantRoleStmt':
      return { tag: ast.is_grant ? 'GRANT role' : 'REVOKE role' };
    case 'AlterDefaultPrivilegesStmt': {
      const schema = str(list(defElem(ast.options, 'schemas'))[0]);
      return {
        tag: 'ALTER DEFAULT PRIVILEGES',
        ...(schema ? { target: { kind: 'schema', name: schema } } : {}),
      };
    }
    case 'CreateExtensionStmt':
      return { tag: 'CREATE EXTENSION', target: { kind: 'extension', name: String(ast.extname) } };
    case 'AlterExtensionStmt':
    case 'AlterExtensionContentsStmt':
      return { tag: 'ALTER EXTENSION', target: { kind: 'extension', name: String(ast.extname) } };
    case 'CreateEventTrigStmt':
    case 'AlterEventTrigStmt':
      return { tag: 'EVENT TRIGGER', target: { kind: 'event_trigger', name: String(ast.trigname) } };
    case 'CreatePublicationStmt':
    case 'AlterPublicationStmt':
      return {
        tag: node === 'CreatePublicationStmt' ? 'CREATE PUBLICATION' : 'ALTER PUBLICATION',
        target: { kind: 'publication', name: String(ast.pubname) },
      };
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
    case 'AlterEnumStmt': {
      const q = qname(ast.typeName);
      return { tag: 'CREATE TYPE', ...(q ? { target: { kind: 'type', ...q } } : {}) };
    }
    case 'CompositeTypeStmt': {
      const rv = rangeVar(ast.typevar);
      return { tag: 'CREATE TYPE', ...(rv ? { target: { kind: 'type', ...rv } } : {}) };
    }
    case 'CreateDomainStmt': {
      const q = qname(ast.domainname);
      return { tag: 'CREATE DOMAIN', ...(q ? { target: { kind: 'type', ...q } } : {}) };
    }
    case 'DefineStmt': {
      const q = qname(ast.defnames);
      const kind = OBJECT_KIND[String(ast.kind)] ?? 'other';
      return {
        tag: `CREATE ${String(ast.kind ?? '').replace('OBJECT_', '')}`,
        ...(q ? { target: { kind, ...q } } : {}),
      };
    }
    case 'CreateForeignTableStmt': {
      const rv = rangeVar(field(ast.base, 'relation'));
      return { tag: 'CREATE FOREIGN TABLE', ...(rv ? { target: { kind: 'table', ...rv } } : {}) };
    }
    case 'CreateFdwStmt':
    case 'AlterFdwStmt':
      return {
        tag: node === 'CreateFdwStmt' ? 'CREATE FOREIGN DATA WRAPPER' : 'ALTER FOREIGN DATA WRAPPER',
        target: { kind: 'foreign_data_wrapper', name: String(ast.fdwname) },
      };
    case 'CreateForeignServerStmt':
    case 'AlterForeignServerStmt':
      return {
        tag: node === 'CreateForeignServerStmt' ? 'CREATE SERVER' : 'ALTER SERVER',
        target: { kind: 'server', name: String(ast.servername) },
      };
    case 'CreateUserMappingStmt':
    case 'AlterUserMappingStmt':
      return { tag: 'USER MAPPING', target: { kind: 'server', name: String(ast.servername) } };
    case 'ImportForeignSchemaStmt':
      return { tag: 'IMPORT FOREIGN SCHEMA', target: { kind: 'server', name: String(ast.server_name) } };
    case 'CreateRoleStmt':
      return { tag: 'CREATE ROLE', target: { kind: 'role', name: String(ast.role) } };
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
      return { tag: 'ALTER ROLE', target: { kind: 'role', name: roleName(ast.role) ?? '' } };
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt': {
      const rv = rangeVar(ast.relation);
      const tag = node.replace('Stmt', '').toUpperCase();
      return { tag, ...(rv ? { target: { kind: 'table', ...rv } } : {}) };
    }
    case 'VariableSetStmt':
      return { tag: 'SET', target: { kind: 'other', name: String(ast.name ?? '') } };
    case 'SelectStmt':
      return { tag: 'SELECT' };
    case 'DoStmt':
      return { tag: 'DO' };
    default:
      return { tag: node.replace(/Stmt$/, '') };
  }
}

/** Everything the transform needs to know about one statement. */
export function analyzeStatement(statement: SqlStatement): StatementInfo {
  const { tag, target } = statementTarget(statement.node, statement.ast);
  const refs = collectRefs(statement.stmt);
  const info: StatementInfo = { tag, refs, ...(target ? { target } : {}) };
  if (statement.node === 'CreateFunctionStmt' || statement.node === 'DoStmt') {
    info.bodyRefs = functionBodyRefs(statement);
  }
  return info;
}

export function display(q: QName): string {
  const quote = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);
  return q.schema ? `${quote(q.schema)}.${quote(q.name)}` : quote(q.name);
}
