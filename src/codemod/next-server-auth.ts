/**
 * `supa2aws migrate-code` in Next.js server code (pages and layouts, route handlers, server actions,
 * middleware.ts, modules importing next/*): `supabase.auth.getUser()`, `getSession()` and `signOut()` on a
 * cookie-bound server client (createServerClient, createRouteHandlerClient, createServerComponentClient,
 * createMiddlewareClient) become the same calls on the runtime's server session over the request's
 * cookies: `serverSessionFromEnv(await cookies()).getUser()`, or in middleware
 * `serverSessionFromEnv(request.cookies, { userStateCheck: false })` under a comment saying why (MIDDLEWARE_NOTE).
 * What cannot be rewritten exactly is marked instead.
 */
import ts from 'typescript';
import { runtimeModule, type CodeSite, type RuntimeModule } from '../scan/index.ts';
import { directive } from '../scan/analyze-code.ts';
import { nextHeadersImports } from '../scan/pure-expression.ts';
import { declaredNames } from './declared-names.ts';

/** What the rewritten file must import: names from a runtime module or from next/headers. */
export interface ModuleImport {
  from: RuntimeModule | 'next/headers';
  names: string[];
}

export type NextServerAuth =
  | {
      rewrite: { start: number; end: number; text: string };
      imports: ModuleImport[];
      /** Comment lines for above the rewritten statement. */
      note?: readonly string[];
    }
  | { mark: string };

const SESSION_METHODS = new Set(['getUser', 'getSession', 'signOut']);
const SESSION = 'serverSessionFromEnv';
const MIDDLEWARE = /(^|\/)(src\/)?middleware\.(ts|js)$/;
/** App Router files that are server code unless they say 'use client'. */
const NEXT_ROUTE_FILE = /(^|\/)app\/(.*\/)?(page|layout|template|default|not-found|route)\.(tsx|jsx|ts|js)$/;
const ROUTE_HANDLER = /(^|\/)route\.(ts|js)$/;
/** Imports only Next.js code has (@supabase/ssr's createServerClient serves SvelteKit and Remix too). */
const NEXT_IMPORT = /^(next\/|@supabase\/auth-helpers-nextjs$)/;
const HOW = `serverSessionFromEnv from @supa2aws/runtime/server-session reads the Cognito session from the request's cookies`;
/** Middleware's session: the token alone, as the Edge runtime (middleware's default) has no AWS credentials. */
const MIDDLEWARE_OPTIONS = '{ userStateCheck: false }';
const MIDDLEWARE_NOTE = [
  `Token only (signature, expiry, issuer, app client, against the pool's JWKS): Edge middleware has no AWS`,
  `credentials for the user-state check, one Cognito AdminGetUser per user a minute that refuses disabled or`,
  `deleted users before their token expires. Route handlers and server components (Node.js) still make it.`,
];

/**
 * Whether the file is Next.js server code (the scanner decides the side; this, that the side is Next's): a
 * 'use server' module, an App Router page, layout or route handler, or a module importing next/* or the
 * Next.js auth helpers. An Express `src/middleware.ts` or `src/app/` is none of these.
 */
export function isNextServerFile(sf: ts.SourceFile, rel: string): boolean {
  const said = directive(sf);
  if (said === 'use client') return false;
  return (
    said === 'use server' ||
    NEXT_ROUTE_FILE.test(rel) ||
    sf.statements.some(
      (s) =>
        ts.isImportDeclaration(s) &&
        ts.isStringLiteral(s.moduleSpecifier) &&
        NEXT_IMPORT.test(s.moduleSpecifier.text),
    )
  );
}

/**
 * The rewrite (or the mark) of one auth call in Next.js server code; undefined when the call is not one
 * this rule is about (another method, an argument such as getUser(token), which the bearer-token rule
 * handles, or code outside Next.js). `runtime` is where the app imports the runtime from.
 */
export function nextServerAuth(
  site: CodeSite,
  sf: ts.SourceFile,
  rel: string,
  offset: number,
  runtime: string,
): NextServerAuth | undefined {
  const chain = site.chain;
  const f = site.finding;
  if (f.kind !== 'auth' || f.side !== 'server' || !chain || offset < 0 || !isNextServerFile(sf, rel))
    return undefined;
  const call = chain.segments[offset + 1];
  if (!call?.call || !SESSION_METHODS.has(call.name) || chain.segments.length !== offset + 2)
    return undefined;
  if (call.call.arguments.length > 0) {
    if (call.name === 'signOut')
      return {
        mark: `signOut(options) has no scope here: serverSessionFromEnv(await cookies()).signOut() clears this request's session cookies; sign out globally in the browser (Amplify signOut({ global: true }))`,
      };
    return undefined;
  }
  const declared = declaredNames(sf);
  // Imported from the runtime, the name is ours: an earlier run rewrote another call of this file.
  if (declared.has(SESSION) && !importsSession(sf, runtimeModule('server-session', runtime)))
    return { mark: `the name ${SESSION} is taken in this file: ${HOW}` };
  const range = { start: chain.root.getStart(sf), end: chain.segments[offset]!.node.getEnd() };
  const fn = enclosingFunction(site.node);
  if (MIDDLEWARE.test(rel)) {
    if (call.name === 'signOut')
      return {
        mark: `middleware cannot clear the browser's cookies through the request: sign out in a route handler or server action (${HOW})`,
      };
    const request = fn?.parameters[0]?.name;
    if (!request || !ts.isIdentifier(request))
      return {
        mark: `no request parameter to read cookies from: call ${SESSION}(request.cookies, ${MIDDLEWARE_OPTIONS}).${call.name}() (${HOW})`,
      };
    return {
      rewrite: { ...range, text: `${SESSION}(${request.text}.cookies, ${MIDDLEWARE_OPTIONS})` },
      imports: [{ from: 'server-session', names: [SESSION] }],
      note: MIDDLEWARE_NOTE,
    };
  }
  if (call.name === 'signOut' && directive(sf) !== 'use server' && !ROUTE_HANDLER.test(rel))
    return {
      mark: `a server component cannot clear cookies: sign out in a route handler or server action with ${SESSION}(await cookies()).signOut()`,
    };
  if (!fn || !isAsync(fn))
    return {
      mark: `not in an async function, so the request's cookies cannot be awaited here: call ${SESSION}(await cookies()).${call.name}() inside one (${HOW})`,
    };
  const imported = nextCookiesImport(sf);
  const cookies = imported ?? (declared.has('cookies') ? 'nextCookies' : 'cookies');
  return {
    rewrite: { ...range, text: `${SESSION}(await ${cookies}())` },
    imports: [
      { from: 'server-session', names: [SESSION] },
      ...(imported
        ? []
        : [
            {
              from: 'next/headers' as const,
              names: [cookies === 'cookies' ? 'cookies' : `cookies as ${cookies}`],
            },
          ]),
    ],
  };
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let cur = node.parent; cur; cur = cur.parent) {
    if (
      ts.isFunctionDeclaration(cur) ||
      ts.isFunctionExpression(cur) ||
      ts.isArrowFunction(cur) ||
      ts.isMethodDeclaration(cur)
    )
      return cur;
  }
  return undefined;
}

function isAsync(fn: ts.SignatureDeclaration): boolean {
  return (ts.getCombinedModifierFlags(fn as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
}

/** Whether the file imports serverSessionFromEnv, under that name, from the runtime's server-session module. */
function importsSession(sf: ts.SourceFile, module: string): boolean {
  return sf.statements.some((s) => {
    if (
      !ts.isImportDeclaration(s) ||
      !ts.isStringLiteral(s.moduleSpecifier) ||
      s.moduleSpecifier.text !== module
    )
      return false;
    const bindings = s.importClause?.namedBindings;
    return (
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.some((e) => e.name.text === SESSION && (e.propertyName ?? e.name).text === SESSION)
    );
  });
}

/** The local name of `cookies` imported from next/headers, if the file imports it. */
function nextCookiesImport(sf: ts.SourceFile): string | undefined {
  return nextHeadersImports(sf).find((e) => (e.propertyName ?? e.name).text === 'cookies')?.name.text;
}
