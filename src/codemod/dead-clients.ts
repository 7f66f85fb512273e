/**
 * `supa2aws migrate-code`, the Supabase clients a rewrite leaves dead: once every use of a client created in
 * a file is rewritten (middleware's `supabase.auth.getUser()` reading the session cookies instead), its
 * creation goes (`const supabase = createServerClient(url, key, { cookies })`, or `await createClient()` of
 * a factory module), with what only fed it: variables such as `const cookieStore = await cookies()` and
 * imports such as a `Database` type. Left in place, creating that client throws once the Supabase
 * variables are gone (@supabase/ssr refuses an empty URL), breaking the code that no longer needs it.
 *
 * Only what has no other effect goes: the creation and its arguments must be values, function definitions,
 * request reads (`cookies()`) or client creations, and a variable still read anywhere stays. A `let` whose
 * only reassignments were in the code that went becomes a `const` (Supabase's middleware reassigns
 * `supabaseResponse` in the cookie adapter). Names are matched by symbol, so a shadowing name is another.
 */
import ts from 'typescript';
import { isPureExpression, requestReads, supabasePackage, type ModuleClients } from '../scan/index.ts';
import { unwrap } from '../scan/ts-chain.ts';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface DeadClientInput {
  sf: ts.SourceFile;
  /** Where the scanner found a client created in this file (its `client` findings). */
  creations: readonly ts.Node[];
  /** The clients (and client factories) of the module an import names, as readCodebase resolves it. */
  resolveImport: (spec: string) => ModuleClients | undefined;
  /** The rewrite's edits: a name they replace is gone, unless an edit's new text names it. */
  edits: readonly TextEdit[];
}

/** A declaration that may go: a variable statement, or one binding of an import. */
interface Candidate {
  symbol: ts.Symbol;
  name: string;
  /** The statement that goes with it (the import declaration for a binding). */
  statement: ts.VariableStatement | ts.ImportDeclaration;
  /** Creates a Supabase client: it goes once its reads are gone; the others only if they fed what went. */
  client: boolean;
}

/** A checker over this one file, for telling which declaration a name refers to. */
function checkerFor(sf: ts.SourceFile): ts.TypeChecker {
  const host: ts.CompilerHost = {
    getSourceFile: () => sf,
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => undefined,
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: () => false,
    readFile: () => undefined,
  };
  return ts
    .createProgram({
      rootNames: [sf.fileName],
      options: { noLib: true, noResolve: true, allowJs: true, types: [] },
      host,
    })
    .getTypeChecker();
}

function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    (ts.isVariableDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isBindingElement(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isImportClause(p) ||
      ts.isImportSpecifier(p) ||
      ts.isNamespaceImport(p)) &&
    p.name === id
  );
}

/** Every read or write of each declared name, by symbol (import declarations' own names left out). */
function references(sf: ts.SourceFile, checker: ts.TypeChecker): Map<ts.Symbol, ts.Identifier[]> {
  const out = new Map<ts.Symbol, ts.Identifier[]>();
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) return;
    const p = n.parent;
    if (ts.isIdentifier(n) && !isDeclarationName(n) && !(ts.isPropertyAccessExpression(p) && p.name === n)) {
      const symbol =
        ts.isShorthandPropertyAssignment(p) && p.name === n
          ? checker.getShorthandAssignmentValueSymbol(p)
          : ts.isExportSpecifier(p)
            ? checker.getExportSpecifierLocalTargetSymbol(p)
            : checker.getSymbolAtLocation(n);
      if (symbol) out.set(symbol, [...(out.get(symbol) ?? []), n]);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function isExportedStatement(s: ts.Statement): boolean {
  return (
    ts.canHaveModifiers(s) &&
    (ts.getModifiers(s) ?? []).some(
      (m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword,
    )
  );
}

/** Whether the name is assigned there (`x = ...`, `x++`, `[x] = ...`, `for (x of ...)`), not only read. */
function isWrite(id: ts.Identifier): boolean {
  let cur: ts.Node = id;
  for (let p = cur.parent; p; cur = p, p = p.parent) {
    if (ts.isBinaryExpression(p))
      return (
        p.left === cur &&
        p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        p.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      );
    if (ts.isForOfStatement(p) || ts.isForInStatement(p)) return p.initializer === cur;
    if (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p))
      return p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken;
    if (
      !ts.isParenthesizedExpression(p) &&
      !ts.isArrayLiteralExpression(p) &&
      !ts.isObjectLiteralExpression(p) &&
      !ts.isShorthandPropertyAssignment(p) &&
      !ts.isPropertyAssignment(p) &&
      !ts.isSpreadElement(p) &&
      !ts.isSpreadAssignment(p)
    )
      return false;
  }
  return false;
}

/** Whether the name is only used as a type there (`createServerClient<Database>(...)`). */
function inType(id: ts.Identifier): boolean {
  for (let p: ts.Node | undefined = id.parent; p && !ts.isStatement(p); p = p.parent)
    if (ts.isTypeNode(p) && !ts.isExpressionWithTypeArguments(p)) return true;
  return false;
}

const isBlank = (line: string) => line.trim() === '';

/** The start of the line `at` is on. */
const lineStartOf = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
/** Just past the newline ending the line `at` is on (or the end of the text). */
function nextLineStart(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
}

/** The whole lines a statement occupies, or only the statement when it shares a line with other code. */
function lineRange(sf: ts.SourceFile, node: ts.Statement): { start: number; end: number } {
  const text = sf.text;
  const start = node.getStart(sf);
  const lineStart = lineStartOf(text, start);
  const end = nextLineStart(text, node.getEnd());
  const trailing = text.slice(node.getEnd(), end).trim();
  if (!isBlank(text.slice(lineStart, start)) || (trailing !== '' && !trailing.startsWith('//')))
    return { start, end: node.getEnd() };
  return { start: lineStart, end };
}

/** A statement's lines with the comments right above it (no blank line between: they describe it). */
function statementRange(sf: ts.SourceFile, node: ts.Statement): { start: number; end: number } {
  const text = sf.text;
  const range = lineRange(sf, node);
  if (range.start !== lineStartOf(text, range.start)) return range;
  for (const c of [...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [])].reverse()) {
    const commentLine = lineStartOf(text, c.pos);
    if (!/^[ \t]*\r?\n$/.test(text.slice(c.end, range.start)) || !isBlank(text.slice(commentLine, c.pos)))
      break;
    range.start = commentLine;
  }
  return range;
}

/**
 * Whole lines deleted, with one of the blank lines around them when there is one on each side (or one
 * between them and the start or end of their block), so that no two blank lines meet.
 */
function withBlankLine(text: string, r: { start: number; end: number }): { start: number; end: number } {
  if (lineStartOf(text, r.start) !== r.start || (r.end < text.length && text[r.end - 1] !== '\n')) return r;
  const aboveStart = r.start === 0 ? 0 : lineStartOf(text, r.start - 1);
  const above = text.slice(aboveStart, r.start);
  const belowEnd = nextLineStart(text, r.end);
  const below = text.slice(r.end, belowEnd);
  if (
    r.end < text.length &&
    isBlank(below) &&
    (r.start === 0 || isBlank(above) || above.trimEnd().endsWith('{'))
  )
    return { start: r.start, end: belowEnd };
  if (r.start > 0 && isBlank(above) && (r.end === text.length || below.trimStart().startsWith('}')))
    return { start: aboveStart, end: r.end };
  return r;
}

/**
 * The edits that delete the clients the rewrite left unused and what only fed them (`text: ''`), and
 * turn the `let`s they alone reassigned into `const`s. Ranges never overlap each other; a rewrite edit or
 * comment inside a deleted range is the caller's to drop.
 */
export function deadClientEdits(input: DeadClientInput): TextEdit[] {
  const { sf, edits } = input;
  const imported = new Map<string, { spec: string; name: string }>();
  for (const s of sf.statements) {
    const bindings = ts.isImportDeclaration(s) ? s.importClause?.namedBindings : undefined;
    if (bindings && ts.isNamedImports(bindings))
      for (const el of bindings.elements)
        imported.set(el.name.text, {
          spec: ((s as ts.ImportDeclaration).moduleSpecifier as ts.StringLiteral).text,
          name: (el.propertyName ?? el.name).text,
        });
  }
  const creations = new Set(input.creations);
  const isFactoryCall = (call: ts.CallExpression | ts.NewExpression) => {
    const from = ts.isIdentifier(call.expression) ? imported.get(call.expression.text) : undefined;
    return from !== undefined && input.resolveImport(from.spec)?.factories.has(from.name) === true;
  };
  const reads = requestReads(sf);
  const allowed = (call: ts.CallExpression | ts.NewExpression) =>
    creations.has(call) || isFactoryCall(call) || reads(call);
  const createsClient = (init: ts.Expression) => {
    let call = unwrap(init);
    if (ts.isAwaitExpression(call)) call = unwrap(call.expression);
    return (
      (ts.isCallExpression(call) || ts.isNewExpression(call)) && (creations.has(call) || isFactoryCall(call))
    );
  };
  // Statements in a list (a block, the file, a case), where one can go without leaving a hole in an `if`.
  const candidateStatements: ts.VariableStatement[] = [];
  const collect = (n: ts.Node): void => {
    if (
      ts.isVariableStatement(n) &&
      (ts.isBlock(n.parent) ||
        ts.isSourceFile(n.parent) ||
        ts.isModuleBlock(n.parent) ||
        ts.isCaseOrDefaultClause(n.parent)) &&
      !isExportedStatement(n) &&
      n.declarationList.declarations.length === 1 &&
      ts.isIdentifier(n.declarationList.declarations[0]!.name) &&
      n.declarationList.declarations[0]!.initializer
    )
      candidateStatements.push(n);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  if (!candidateStatements.some((s) => createsClient(s.declarationList.declarations[0]!.initializer!)))
    return [];

  const checker = checkerFor(sf);
  const refs = references(sf, checker);
  const candidates: Candidate[] = [];
  for (const statement of candidateStatements) {
    const d = statement.declarationList.declarations[0]!;
    const symbol = checker.getSymbolAtLocation(d.name);
    if (!symbol || !isPureExpression(d.initializer!, allowed)) continue;
    candidates.push({
      symbol,
      name: (d.name as ts.Identifier).text,
      statement,
      client: createsClient(d.initializer!),
    });
  }
  // Imports of Supabase and of its client modules are not among them: their unused bindings go with the
  // other client imports once the runtime's imports are in (plan-code-migration.ts).
  for (const s of sf.statements) {
    const clause = ts.isImportDeclaration(s) ? s.importClause : undefined;
    const spec = clause && (s as ts.ImportDeclaration).moduleSpecifier;
    if (
      !clause ||
      !spec ||
      !ts.isStringLiteral(spec) ||
      supabasePackage(spec.text) !== undefined ||
      input.resolveImport(spec.text) !== undefined
    )
      continue;
    const names = [
      ...(clause.name ? [clause.name] : []),
      ...(clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)
        ? [clause.namedBindings.name]
        : []),
      ...(clause.namedBindings && ts.isNamedImports(clause.namedBindings)
        ? clause.namedBindings.elements.map((e) => e.name)
        : []),
    ];
    for (const name of names) {
      const symbol = checker.getSymbolAtLocation(name);
      if (symbol)
        candidates.push({ symbol, name: name.text, statement: s as ts.ImportDeclaration, client: false });
    }
  }

  const deleted: Array<{ start: number; end: number }> = [];
  const isDeleted = (n: ts.Node) => deleted.some((d) => d.start <= n.getStart(sf) && n.getEnd() <= d.end);
  const renamed = (name: string) => {
    const word = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`);
    return edits.some((e) => word.test(e.text));
  };
  const replaced = (id: ts.Identifier) =>
    edits.some((e) => e.start <= id.getStart(sf) && id.getEnd() <= e.end);
  const gone = new Set<Candidate>();
  for (let more = true; more;) {
    more = false;
    for (const c of candidates) {
      if (gone.has(c)) continue;
      const uses = refs.get(c.symbol) ?? [];
      if (uses.length === 0 || renamed(c.name) || !uses.every((u) => isDeleted(u) || replaced(u))) continue;
      if (!c.client && !uses.some(isDeleted)) continue;
      gone.add(c);
      if (ts.isVariableStatement(c.statement)) deleted.push(statementRange(sf, c.statement));
      more = true;
    }
  }

  const out: TextEdit[] = [];
  for (const decl of new Set([...gone].map((c) => c.statement).filter(ts.isImportDeclaration)))
    out.push(importEdit(sf, decl, gone, refs));
  out.push(
    ...merge(
      merge(deleted.map((d) => ({ ...d, text: '' }))).map((d) => ({
        ...withBlankLine(sf.text, d),
        text: '',
      })),
    ),
  );
  for (const statement of candidateStatements) {
    const list = statement.declarationList;
    const symbol = checker.getSymbolAtLocation(list.declarations[0]!.name);
    if (!(list.flags & ts.NodeFlags.Let) || !symbol || isDeleted(statement)) continue;
    const writes = (refs.get(symbol) ?? []).filter(isWrite);
    if (writes.length > 0 && writes.every(isDeleted)) {
      const at = list.getStart(sf);
      out.push({ start: at, end: at + 'let'.length, text: 'const' });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * An import some of whose bindings went: the rest of it, or nothing when none is left (its lines, the blank
 * line after the imports kept). When none is left but the module may do something on import (not Next.js)
 * and a binding that went was a value, `import 'module';` stays.
 */
function importEdit(
  sf: ts.SourceFile,
  decl: ts.ImportDeclaration,
  gone: ReadonlySet<Candidate>,
  refs: ReadonlyMap<ts.Symbol, ts.Identifier[]>,
): TextEdit {
  const clause = decl.importClause!;
  const went = [...gone].filter((c) => c.statement === decl);
  const goes = (name: ts.Identifier) => went.some((c) => c.name === name.text);
  const named =
    clause.namedBindings && ts.isNamedImports(clause.namedBindings)
      ? clause.namedBindings.elements.filter((e) => !goes(e.name))
      : [];
  const namespace =
    clause.namedBindings && ts.isNamespaceImport(clause.namedBindings) && !goes(clause.namedBindings.name)
      ? clause.namedBindings.getText(sf)
      : undefined;
  const defaultName = clause.name && !goes(clause.name) ? clause.name.text : undefined;
  if (defaultName || namespace || named.length) {
    const bindings = namespace ?? (named.length ? `{ ${named.map((e) => e.getText(sf)).join(', ')} }` : '');
    const text = `${clause.isTypeOnly ? 'type ' : ''}${[defaultName, bindings].filter(Boolean).join(', ')}`;
    return { start: clause.getStart(sf), end: clause.getEnd(), text };
  }
  const spec = (decl.moduleSpecifier as ts.StringLiteral).text;
  const quiet =
    /^next(\/|$)/.test(spec) ||
    clause.isTypeOnly ||
    went.every((c) => (refs.get(c.symbol) ?? []).every(inType));
  return quiet
    ? { ...lineRange(sf, decl), text: '' }
    : { start: decl.getStart(sf), end: decl.getEnd(), text: `import ${decl.moduleSpecifier.getText(sf)};` };
}

/** Deletions in order, those that overlap or touch made one. */
function merge(deletions: TextEdit[]): TextEdit[] {
  const out: TextEdit[] = [];
  for (const d of [...deletions].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && d.start <= last.end) last.end = Math.max(last.end, d.end);
    else out.push({ ...d });
  }
  return out;
}
