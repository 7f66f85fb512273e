/**
 * Helpers over the TypeScript AST: flattening a member/call chain (`a.b(x).c.d(y)`) into segments, finding the
 * outermost node of a chain, and reading literal arguments.
 */
import ts from 'typescript';

export interface Segment {
  name: string;
  /** Present when the segment is called: `.from('x')`. */
  call?: ts.CallExpression;
  /** The node that ends with this segment. */
  node: ts.Expression;
}

export interface Chain {
  /** The expression the chain starts from (an identifier, `this`, a call...). */
  root: ts.Expression;
  segments: Segment[];
}

/** Strips parentheses, `!`, `as T`, `<T>x` and `satisfies T`. */
export function unwrap(node: ts.Expression): ts.Expression {
  let cur = node;
  for (;;) {
    if (
      ts.isParenthesizedExpression(cur) ||
      ts.isNonNullExpression(cur) ||
      ts.isAsExpression(cur) ||
      ts.isTypeAssertionExpression(cur) ||
      ts.isSatisfiesExpression(cur)
    ) {
      cur = cur.expression;
    } else {
      return cur;
    }
  }
}

function memberName(node: ts.Expression): { name: string; object: ts.Expression } | null {
  if (ts.isPropertyAccessExpression(node)) return { name: node.name.text, object: node.expression };
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    return { name: node.argumentExpression.text, object: node.expression };
  }
  return null;
}

/** `supabase.storage.from('b').upload(p, f)` → root `supabase`, segments storage, from(), upload(). */
export function flattenChain(node: ts.Expression): Chain {
  const segments: Segment[] = [];
  let cur = unwrap(node);
  for (;;) {
    if (ts.isCallExpression(cur)) {
      const callee = unwrap(cur.expression);
      const member = memberName(callee);
      if (!member) return { root: cur, segments };
      segments.unshift({ name: member.name, call: cur, node: cur });
      cur = unwrap(member.object);
      continue;
    }
    const member = memberName(cur);
    if (member) {
      segments.unshift({ name: member.name, node: cur });
      cur = unwrap(member.object);
      continue;
    }
    return { root: cur, segments };
  }
}

function isWrapper(node: ts.Node): boolean {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isSatisfiesExpression(node)
  );
}

/** True when no member access or call continues the chain past this node. */
export function isOutermost(node: ts.Node): boolean {
  let child: ts.Node = node;
  let parent = node.parent;
  while (parent && isWrapper(parent)) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return true;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === child) return false;
  if (ts.isElementAccessExpression(parent) && parent.expression === child) return false;
  if (ts.isCallExpression(parent) && parent.expression === child) return false;
  return true;
}

/** The text of a string literal or a template without substitutions, else undefined. */
export function stringValue(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  const n = ts.isExpression(node) ? unwrap(node) : node;
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  if (ts.isIdentifier(n)) return moduleConstString(n);
  return undefined;
}

/**
 * `const COLUMNS = 'id, title'` at the top of the file: the string a name in it stands for. Only when the
 * file declares that name nowhere else (no parameter or local of the same name could be meant).
 */
function moduleConstString(name: ts.Identifier): string | undefined {
  const sf = name.getSourceFile();
  let declarations = 0;
  const count = (n: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) &&
      ts.isIdentifier(n.name) &&
      n.name.text === name.text
    )
      declarations++;
    ts.forEachChild(n, count);
  };
  count(sf);
  if (declarations !== 1) return undefined;
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt) || !(stmt.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== name.text || !d.initializer) continue;
      const init = unwrap(d.initializer);
      if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) return init.text;
    }
  }
  return undefined;
}

/** A numeric literal's value, else undefined. */
export function numberValue(node: ts.Node | undefined): number | undefined {
  if (!node) return undefined;
  const n = ts.isExpression(node) ? unwrap(node) : node;
  if (ts.isNumericLiteral(n)) return Number(n.text);
  return undefined;
}

/** `true`, `false` or `null` literals. */
export function keywordValue(node: ts.Node | undefined): 'true' | 'false' | 'null' | undefined {
  if (!node) return undefined;
  const n = ts.isExpression(node) ? unwrap(node) : node;
  if (n.kind === ts.SyntaxKind.TrueKeyword) return 'true';
  if (n.kind === ts.SyntaxKind.FalseKeyword) return 'false';
  if (n.kind === ts.SyntaxKind.NullKeyword) return 'null';
  return undefined;
}

/** Properties of an object literal as [name, value expression]; null when it has spreads or computed keys. */
export function objectEntries(node: ts.Node | undefined): Array<[string, ts.Expression]> | null {
  if (!node) return null;
  const n = ts.isExpression(node) ? unwrap(node) : node;
  if (!ts.isObjectLiteralExpression(n)) return null;
  const out: Array<[string, ts.Expression]> = [];
  for (const p of n.properties) {
    if (ts.isPropertyAssignment(p)) {
      const name = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : undefined;
      if (name === undefined) return null;
      out.push([name, p.initializer]);
    } else if (ts.isShorthandPropertyAssignment(p)) {
      out.push([p.name.text, p.name]);
    } else {
      return null;
    }
  }
  return out;
}

/** 1-based line and column of a node's first token. */
export function position(sf: ts.SourceFile, node: ts.Node): { line: number; column: number } {
  const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { line: line + 1, column: character + 1 };
}
