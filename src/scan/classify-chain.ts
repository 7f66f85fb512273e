/**
 * Turns a call chain on a Supabase client into a finding: its phase, a normalised name, the replacement and,
 * for from() and rpc() chains, the SQL.
 */
import type ts from 'typescript';
import {
  authReplacement,
  clientReplacement,
  functionsReplacement,
  queryReplacement,
  realtimeReplacement,
  rpcReplacement,
  storageReplacement,
} from './replacements.ts';
import type { ForeignKey } from './embed.ts';
import { translateFromChain, translateRpc } from './sql-translate.ts';
import { stringValue, type Segment } from './ts-chain.ts';
import type { CodeSide, Finding } from './types.ts';

export interface ClientRoot {
  /** How the client is written at the call site: `supabase`, `this.supabase`, `getSupabase()`. */
  text: string;
  side: CodeSide;
  /** Made with the service-role key (or named as the admin client): RLS does not apply to it. */
  serviceRole?: boolean;
}

const REALTIME = new Set(['channel', 'removeChannel', 'removeAllChannels', 'getChannels', 'realtime']);
/** Calls whose first argument names the thing (table, bucket, function, channel) and is shown in the api name. */
const NAMED = new Set(['from', 'rpc', 'invoke', 'channel', 'schema']);

function apiName(root: ClientRoot, segments: Segment[]): string {
  const parts = segments.map((s) => {
    if (!s.call) return s.name;
    const first = NAMED.has(s.name) ? stringValue(s.call.arguments[0]) : undefined;
    return `${s.name}(${first === undefined ? '' : `'${first}'`})`;
  });
  return [root.text, ...parts].join('.');
}

export type ChainFinding = Pick<
  Finding,
  'phase' | 'kind' | 'api' | 'replacement' | 'side' | 'sql' | 'sqlSkipped'
>;

export function classifyChain(input: {
  sf: ts.SourceFile;
  root: ClientRoot;
  segments: Segment[];
  /** The schema's foreign keys, for embedded relations. */
  foreignKeys?: readonly ForeignKey[];
}): ChainFinding {
  const { sf, root } = input;
  const side = root.side;
  const api = apiName(root, input.segments);
  let segments = input.segments;
  let schema: string | undefined;
  if (segments[0]?.name === 'schema' && segments[0].call) {
    schema = stringValue(segments[0].call.arguments[0]);
    segments = segments.slice(1);
  }
  const first = segments[0];
  const name = first?.name ?? '';
  if (name === 'from' && first?.call) {
    const table = stringValue(first.call.arguments[0]);
    const base: ChainFinding = { phase: 'db', kind: 'query', api, side, replacement: queryReplacement(side) };
    if (table === undefined) return { ...base, sqlSkipped: 'the table name is not a string literal' };
    if (schema === undefined && input.segments[0]?.name === 'schema') {
      return { ...base, sqlSkipped: 'the schema name is not a string literal' };
    }
    const t = translateFromChain(
      sf,
      schema ? `${schema}.${table}` : table,
      segments.slice(1),
      input.foreignKeys,
    );
    return 'sql' in t ? { ...base, sql: t.sql } : { ...base, sqlSkipped: t.skipped };
  }
  if (name === 'rpc' && first?.call) {
    const fn = stringValue(first.call.arguments[0]);
    const base: ChainFinding = { phase: 'db', kind: 'rpc', api, side, replacement: rpcReplacement(side) };
    if (fn === undefined) return { ...base, sqlSkipped: 'the function name is not a string literal' };
    const t = translateRpc(sf, schema ? `${schema}.${fn}` : fn, first.call.arguments[1], segments.slice(1));
    return 'sql' in t ? { ...base, sql: t.sql } : { ...base, sqlSkipped: t.skipped };
  }
  if (name === 'auth') {
    const admin = segments[1]?.name === 'admin';
    let method = (admin ? segments[2]?.name : segments[1]?.name) ?? 'auth';
    if (!admin && method === 'mfa') method = `mfa.${segments[2]?.name ?? ''}`;
    return { phase: 'auth', kind: 'auth', api, side, replacement: authReplacement(method, side, admin) };
  }
  if (name === 'storage') {
    const method =
      segments[1]?.name === 'from' ? (segments[2]?.name ?? 'from') : (segments[1]?.name ?? 'storage');
    return { phase: 'storage', kind: 'storage', api, side, replacement: storageReplacement(method) };
  }
  if (name === 'functions') {
    return { phase: 'functions', kind: 'functions', api, side, replacement: functionsReplacement() };
  }
  if (REALTIME.has(name)) {
    return { phase: 'realtime', kind: 'realtime', api, side, replacement: realtimeReplacement() };
  }
  return { phase: 'config', kind: 'other', api, side, replacement: clientReplacement(side) };
}
