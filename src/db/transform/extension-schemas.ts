/**
 * Extensions installed into an app schema (`create schema app_ext; create extension unaccent schema
 * app_ext;`): the prelude (and the privileged step before it) creates that schema and the extension before
 * the app's statements run, so the app's own CREATE SCHEMA of it becomes CREATE SCHEMA IF NOT EXISTS.
 */
import { parseSql, deparseStatement, type AstNode } from '../sql/parser.ts';
import type { Decision, ExtensionInstall } from './types.ts';

function withIfNotExists(sql: string): string {
  const stmt = parseSql(sql).stmts[0]?.stmt as AstNode;
  const create = stmt.CreateSchemaStmt as AstNode;
  return deparseStatement({ CreateSchemaStmt: { ...create, if_not_exists: true } });
}

/** Rewrites the app's CREATE SCHEMA of every schema the prelude creates for an extension. */
export function precreatedSchemas(decisions: Decision[], installs: ExtensionInstall[]): void {
  const schemas = new Map(installs.map((e) => [e.schema, e.name]));
  for (const d of decisions) {
    if (d.statement.node !== 'CreateSchemaStmt' || (d.action !== 'keep' && d.action !== 'rewrite')) continue;
    const name = d.info.target?.name ?? '';
    const extension = schemas.get(name);
    if (!extension || d.statement.ast.if_not_exists === true) continue;
    d.text = withIfNotExists(d.text ?? d.statement.text);
    d.reason = `the prelude creates schema ${name} first, for extension ${extension}: created only if missing.`;
    d.rule = d.action === 'rewrite' ? d.rule : 'existing_object';
    d.action = 'rewrite';
  }
}
