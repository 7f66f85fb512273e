/**
 * Exported functions whose only job is to create a Supabase client and return it, such as the
 * `createClient()` of `utils/supabase/server.ts` in Supabase's Next.js guide: calling one does nothing but
 * make the client, so a call whose client nothing uses any more may go, and so may a module of them once
 * nothing imports it (supa2aws migrate-code).
 */
import ts from 'typescript';
import { isPureExpression, requestReads } from './pure-expression.ts';
import { unwrap } from './ts-chain.ts';

type Fn = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

function isNamedExport(s: ts.Statement): boolean {
  const modifiers = ts.canHaveModifiers(s) ? (ts.getModifiers(s) ?? []) : [];
  return (
    modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
    !modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
  );
}

/**
 * The names of the file's named exports that are client factories: a function whose parameters are plain
 * names (defaults without effects), whose body declares only values without effects (`await cookies()`,
 * `process.env` reads) and returns a client it creates there. `isCreation` says whether a node creates a
 * Supabase client (the scanner's createClient / createServerClient... of an @supabase/* import).
 */
export function clientFactories(sf: ts.SourceFile, isCreation: (node: ts.Node) => boolean): Set<string> {
  const reads = requestReads(sf);
  const pure = (e: ts.Expression) => isPureExpression(e, (call) => isCreation(call) || reads(call));
  const creates = (e: ts.Expression) => isCreation(e) && pure(e);
  const onlyCreates = (fn: Fn): boolean => {
    if (fn.parameters.some((p) => !ts.isIdentifier(p.name) || (p.initializer && !pure(p.initializer))))
      return false;
    const body = fn.body;
    if (!body) return false;
    if (!ts.isBlock(body)) return creates(body);
    const last = body.statements.at(-1);
    if (!last || !ts.isReturnStatement(last) || !last.expression) return false;
    const created = new Set<string>();
    for (const s of body.statements.slice(0, -1)) {
      if (!ts.isVariableStatement(s)) return false;
      for (const d of s.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer || !pure(d.initializer)) return false;
        if (creates(d.initializer)) created.add(d.name.text);
      }
    }
    const returned = unwrap(last.expression);
    return creates(last.expression) || (ts.isIdentifier(returned) && created.has(returned.text));
  };
  const out = new Set<string>();
  for (const s of sf.statements) {
    if (!isNamedExport(s)) continue;
    if (ts.isFunctionDeclaration(s) && s.name && onlyCreates(s)) out.add(s.name.text);
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations) {
        const init = d.initializer && unwrap(d.initializer);
        if (
          ts.isIdentifier(d.name) &&
          init &&
          (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) &&
          onlyCreates(init)
        )
          out.add(d.name.text);
      }
  }
  return out;
}
