/**
 * Whether evaluating an expression does anything but produce its value: what a migration may delete once
 * nothing reads that value. Literals, names, property reads, `typeof`, operators over those, object and
 * array literals of them, functions (defined, not called) and the calls the caller allows, with arguments
 * of the same kind. Any other call, `new`, assignment, `delete`, `++`, `yield` or tagged template is an effect.
 */
import ts from 'typescript';

/** Operators whose evaluation only computes (no assignment). */
const COMPUTING = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.CommaToken,
]);

/**
 * `allowedCall` says which calls (and `new` expressions) count as having no effect, e.g. creating a
 * Supabase client or reading the request's cookies; their arguments must have none either.
 */
export function isPureExpression(
  node: ts.Expression,
  allowedCall: (call: ts.CallExpression | ts.NewExpression) => boolean,
): boolean {
  const pure = (e: ts.Expression): boolean => isPureExpression(e, allowedCall);
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isAwaitExpression(node) ||
    ts.isTypeOfExpression(node) ||
    ts.isVoidExpression(node)
  )
    return pure(node.expression);
  if (
    ts.isIdentifier(node) ||
    ts.isLiteralExpression(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isMetaProperty(node) ||
    [
      ts.SyntaxKind.TrueKeyword,
      ts.SyntaxKind.FalseKeyword,
      ts.SyntaxKind.NullKeyword,
      ts.SyntaxKind.ThisKeyword,
    ].includes(node.kind)
  )
    return true;
  if (ts.isPropertyAccessExpression(node)) return pure(node.expression);
  if (ts.isElementAccessExpression(node)) return pure(node.expression) && pure(node.argumentExpression);
  if (ts.isTemplateExpression(node)) return node.templateSpans.every((s) => pure(s.expression));
  if (ts.isPrefixUnaryExpression(node))
    return (
      node.operator !== ts.SyntaxKind.PlusPlusToken &&
      node.operator !== ts.SyntaxKind.MinusMinusToken &&
      pure(node.operand)
    );
  if (ts.isBinaryExpression(node))
    return COMPUTING.has(node.operatorToken.kind) && pure(node.left) && pure(node.right);
  if (ts.isConditionalExpression(node))
    return pure(node.condition) && pure(node.whenTrue) && pure(node.whenFalse);
  if (ts.isArrayLiteralExpression(node))
    return node.elements.every((e) => (ts.isSpreadElement(e) ? pure(e.expression) : pure(e)));
  if (ts.isObjectLiteralExpression(node))
    return node.properties.every((p) => {
      if (ts.isPropertyAssignment(p))
        return (!ts.isComputedPropertyName(p.name) || pure(p.name.expression)) && pure(p.initializer);
      if (ts.isSpreadAssignment(p)) return pure(p.expression);
      if (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p))
        return !ts.isComputedPropertyName(p.name) || pure(p.name.expression);
      return ts.isShorthandPropertyAssignment(p) && !p.objectAssignmentInitializer;
    });
  if (ts.isCallExpression(node) || ts.isNewExpression(node))
    return (
      allowedCall(node) &&
      !(ts.isCallExpression(node) && node.questionDotToken) &&
      (node.arguments ?? []).every((a) => (ts.isSpreadElement(a) ? pure(a.expression) : pure(a)))
    );
  return false;
}

/** The value bindings this file imports from next/headers (`import { cookies as c }` gives `c`'s specifier). */
export function nextHeadersImports(sf: ts.SourceFile): ts.ImportSpecifier[] {
  const found: ts.ImportSpecifier[] = [];
  for (const s of sf.statements) {
    if (
      !ts.isImportDeclaration(s) ||
      !ts.isStringLiteral(s.moduleSpecifier) ||
      s.moduleSpecifier.text !== 'next/headers'
    )
      continue;
    const bindings = s.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings) || s.importClause?.isTypeOnly) continue;
    found.push(...bindings.elements.filter((e) => !e.isTypeOnly));
  }
  return found;
}

/**
 * Calls of `cookies()` and `headers()` imported from next/headers in this file: they read the request
 * (`await cookies()` included), nothing more.
 */
export function requestReads(sf: ts.SourceFile): (call: ts.CallExpression | ts.NewExpression) => boolean {
  const names = new Set(
    nextHeadersImports(sf)
      .filter((el) => ['cookies', 'headers'].includes((el.propertyName ?? el.name).text))
      .map((el) => el.name.text),
  );
  return (call) =>
    ts.isCallExpression(call) &&
    ts.isIdentifier(call.expression) &&
    names.has(call.expression.text) &&
    call.arguments.length === 0;
}
