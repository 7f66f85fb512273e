/**
 * References made from inside a function body or DO block: SQL bodies are parsed as SQL, PL/pgSQL bodies
 * with the PL/pgSQL parser, whose every embedded expression and statement is then parsed as SQL.
 * Dynamic SQL (EXECUTE of a built string) cannot be seen; bodies in other languages are skipped.
 */
import { collectRefs, emptyRefs, field, isNode, list, str, type Refs } from './analyze.ts';
import { lexSql } from './lexer.ts';
import { parsePlpgsql, parseSql, type AstNode } from './parser.ts';
import type { SqlStatement } from './split.ts';

function option(options: unknown, name: string): unknown {
  for (const item of list(options)) {
    const def = field(item, 'DefElem');
    if (field(def, 'defname') === name) return field(def, 'arg');
  }
  return undefined;
}

/** Every PLpgSQL_expr query in a PL/pgSQL tree, with its parse mode. */
function plpgsqlExpressions(tree: unknown): Array<{ query: string; mode: number }> {
  const out: Array<{ query: string; mode: number }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isNode(node)) return;
    const expr = node.PLpgSQL_expr;
    if (isNode(expr) && typeof expr.query === 'string') {
      out.push({ query: expr.query, mode: typeof expr.parseMode === 'number' ? expr.parseMode : 0 });
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(tree);
  return out;
}

/** Parses one embedded PL/pgSQL expression; assignments (`x := expr`) are cut at the first `:=` or `=`. */
function refsOfExpression(query: string, mode: number, into: Refs): void {
  let sql = query;
  if (mode >= 3) {
    const bytes = Buffer.from(query, 'utf8');
    const isAssign = (text: string) => text === ':=' || text === '=';
    const assign = lexSql(bytes).find(
      (t) => t.kind === 'operator' && isAssign(bytes.subarray(t.start, t.end).toString('latin1')),
    );
    if (assign) sql = bytes.subarray(assign.end).toString('utf8');
  }
  const attempts = mode === 0 ? [sql, `SELECT ${sql}`] : [`SELECT ${sql}`, sql];
  for (const attempt of attempts) {
    try {
      for (const stmt of parseSql(attempt).stmts) collectRefs(stmt.stmt, into);
      return;
    } catch {
      // try the other reading
    }
  }
}

function dollarQuote(body: string): string {
  let tag = 'supa2aws_body';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${body}$${tag}$`;
}

function plpgsqlRefs(createFunctionSql: string, into: Refs): void {
  let funcs: AstNode[];
  try {
    funcs = parsePlpgsql(createFunctionSql);
  } catch {
    return;
  }
  for (const { query, mode } of plpgsqlExpressions(funcs)) refsOfExpression(query, mode, into);
}

/** Relations, functions and types a CREATE FUNCTION or DO statement's body uses. */
export function functionBodyRefs(statement: SqlStatement): Refs {
  const refs = emptyRefs();
  const ast = statement.ast;
  if (statement.node === 'DoStmt') {
    const body = str(option(ast.args, 'as'));
    const language = str(option(ast.args, 'language')) ?? 'plpgsql';
    if (body !== undefined && language.toLowerCase() === 'plpgsql') {
      plpgsqlRefs(
        `CREATE FUNCTION pg_temp.supa2aws_do() RETURNS void LANGUAGE plpgsql AS ${dollarQuote(body)}`,
        refs,
      );
    }
    return refs;
  }
  if (ast.sql_body !== undefined) {
    collectRefs(ast.sql_body, refs);
    return refs;
  }
  const language = (str(option(ast.options, 'language')) ?? 'sql').toLowerCase();
  const bodyParts = list(option(ast.options, 'as'));
  const body = bodyParts.length === 1 ? str(bodyParts[0]) : undefined;
  if (body === undefined) return refs;
  if (language === 'sql') {
    try {
      for (const stmt of parseSql(body).stmts) collectRefs(stmt.stmt, refs);
    } catch {
      // A body that does not parse on its own (rare); its references stay unknown.
    }
  } else if (language === 'plpgsql') {
    plpgsqlRefs(statement.text, refs);
  }
  return refs;
}
