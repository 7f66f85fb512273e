/**
 * `supa2aws migrate-code` on browser code: the supabase-js auth types a file imports (`Session`, `User`,
 * `AuthChangeEvent`...) are what the rewritten `auth` calls now return in browser-auth's shape, so they are
 * imported from there under the same local names (`import type { AuthSession as Session }`). Types with no
 * browser-auth counterpart stay imported from supabase-js.
 */
import ts from 'typescript';
import { supabasePackage } from '../scan/index.ts';
import { jsString } from './js-string.ts';

/** supabase-js auth type → browser-auth type (packages/runtime/src/browser-auth/types.ts). */
const TYPES: Record<string, string> = {
  Session: 'AuthSession',
  User: 'AuthUser',
  AuthChangeEvent: 'AuthChangeEvent',
  Subscription: 'Subscription',
  Factor: 'MfaFactor',
  SignInWithOAuthCredentials: 'SignInWithOAuthCredentials',
  OAuthResponse: 'OAuthResponse',
};
/** Names that are also values in supabase-js (a class): moved only when imported as a type. */
const TYPE_ONLY: Record<string, string> = { AuthError: 'AuthErrorShape' };
/** The packages that export the auth types. */
const AUTH_TYPES_PACKAGE = /^@supabase\/(supabase-js|auth-js|gotrue-js)$/;

/** The file with its supabase-js auth type imports taken from `browserAuth` (the runtime's browser-auth module). */
export function importBrowserAuthTypes(text: string, rel: string, browserAuth: string): string {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  let out = text;
  const declarations = sf.statements.filter(ts.isImportDeclaration).reverse();
  for (const d of declarations) {
    const spec = (d.moduleSpecifier as ts.StringLiteral).text;
    const clause = d.importClause;
    const bindings = clause?.namedBindings;
    if (!AUTH_TYPES_PACKAGE.test(supabasePackage(spec) ?? '') || !clause || !bindings) continue;
    if (!ts.isNamedImports(bindings)) continue;
    const moved: string[] = [];
    const kept: string[] = [];
    for (const el of bindings.elements) {
      const imported = (el.propertyName ?? el.name).text;
      const typeOnly = clause.isTypeOnly || el.isTypeOnly;
      const target = TYPES[imported] ?? (typeOnly ? TYPE_ONLY[imported] : undefined);
      if (target) moved.push(target === el.name.text ? target : `${target} as ${el.name.text}`);
      else kept.push(el.getText(sf));
    }
    if (moved.length === 0) continue;
    const lines: string[] = [];
    if (clause.name || kept.length) {
      const parts = [
        ...(clause.name ? [clause.name.text] : []),
        ...(kept.length ? [`{ ${kept.join(', ')} }`] : []),
      ];
      lines.push(
        `import ${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')} from ${d.moduleSpecifier.getText(sf)};`,
      );
    }
    lines.push(`import type { ${moved.join(', ')} } from ${jsString(browserAuth)};`);
    out = out.slice(0, d.getStart(sf)) + lines.join('\n') + out.slice(d.getEnd());
  }
  return out;
}
