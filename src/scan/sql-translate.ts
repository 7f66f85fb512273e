/**
 * Translates simple supabase-js `from()` chains into parameterised SQL for `pool.query`:
 * `from('projects').select('id,title').eq('user_id', uid).order('created_at', { ascending: false }).limit(10)`
 * → `SELECT id, title FROM projects WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10`, params `[uid]`.
 * Anything it cannot say exactly (embedded relations, `.or()` filter strings, non-literal columns) is
 * skipped with the reason, never guessed.
 */
import ts from 'typescript';
import {
  embedKey,
  embedSql,
  parseEmbed,
  qualify,
  splitSelect,
  type EmbedContext,
  type ForeignKey,
} from './embed.ts';
import { keywordValue, numberValue, objectEntries, stringValue, unwrap, type Segment } from './ts-chain.ts';
import type { SqlTranslation } from './types.ts';

const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric table then to trailing true union unique user using variadic when where window with'
  ).split(' '),
);

/** An identifier as SQL: bare when safe, double-quoted otherwise. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

class Skip extends Error {}

function skip(reason: string): never {
  throw new Skip(reason);
}

class Params {
  readonly list: string[] = [];
  constructor(private readonly sf: ts.SourceFile) {}
  add(node: ts.Expression): string {
    this.list.push(unwrap(node).getText(this.sf));
    return `$${this.list.length}`;
  }
}

const COMPARE: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'LIKE',
  ilike: 'ILIKE',
  contains: '@>',
  containedBy: '<@',
  overlaps: '&&',
};

type Filter = (p: Params) => string;

function column(node: ts.Expression | undefined, what: string): string {
  const name = stringValue(node);
  if (name === undefined) skip(`${what} is not a string literal`);
  if (/[()>-]/.test(name)) skip(`${what} "${name}" reaches into JSON or a related table`);
  return quoteIdent(name);
}

/**
 * `id, title, author:name, created_at::date` → SQL select list. Embedded resources (`author(name)`) become
 * subqueries when `embed` carries the schema's foreign keys (embed.ts), else the chain is skipped.
 */
export function selectList(raw: string | undefined, embed?: EmbedContext): string {
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return '*';
  return splitSelect(raw)
    .map((part) => {
      if (/[()]/.test(part)) {
        const parsed = parseEmbed(part);
        if (!parsed || /^\s*count\s*$/.test(parsed.inner))
          skip(`select embeds a related table ("${part}"): write the JOIN by hand`);
        const found = embedKey(embed ?? { table: '', ref: '', aliases: { next: 0 } }, parsed);
        if ('manual' in found) skip(found.manual);
        return embedSql(embed!, parsed, found, quoteIdent, (inner, ctx) => selectList(inner, ctx));
      }
      if (/->/.test(part)) skip(`select reads a JSON path ("${part}")`);
      const m = /^(?:([A-Za-z_][\w]*)\s*:\s*)?([A-Za-z_][\w]*|\*)(?:::([A-Za-z_][\w ]*))?$/.exec(part);
      if (!m) skip(`select column "${part}" is not a plain column`);
      const [, alias, col = '', cast] = m;
      const expr = `${col === '*' ? '*' : quoteIdent(col)}${cast ? `::${cast}` : ''}`;
      return alias ? `${expr} AS ${quoteIdent(alias)}` : expr;
    })
    .join(', ');
}

function comparison(op: string, col: string, value: ts.Expression | undefined, negate: boolean): Filter {
  if (!value) skip(`.${op}() without a value`);
  const kw = keywordValue(value);
  if (op === 'is') {
    if (!kw) skip('.is() with a value other than null, true or false');
    return () => `${col} IS ${negate ? 'NOT ' : ''}${kw.toUpperCase()}`;
  }
  if (op === 'in') {
    return (p) => (negate ? `NOT (${col} = ANY(${p.add(value)}))` : `${col} = ANY(${p.add(value)})`);
  }
  if ((op === 'eq' || op === 'neq') && kw === 'null') {
    return () => `${col} IS ${(op === 'neq') !== negate ? 'NOT ' : ''}NULL`;
  }
  const sqlOp = COMPARE[op];
  if (!sqlOp) skip(`filter operator "${op}"`);
  if (negate) {
    if (op === 'eq') return (p) => `${col} <> ${p.add(value)}`;
    return (p) => `NOT (${col} ${sqlOp} ${p.add(value)})`;
  }
  return (p) => `${col} ${sqlOp} ${p.add(value)}`;
}

const TS_QUERY: Record<string, string> = {
  plain: 'plainto_tsquery',
  phrase: 'phraseto_tsquery',
  websearch: 'websearch_to_tsquery',
};

/** `.textSearch(col, query, { type, config })` as PostgREST runs it: `col @@ <type>to_tsquery([config,] query)`. */
function textSearch(args: ts.NodeArray<ts.Expression>): Filter {
  const col = column(args[0], '.textSearch() column');
  const query = args[1];
  if (!query) skip('.textSearch() without a query');
  const opts =
    objectEntries(args[2]) ?? (args[2] ? skip('.textSearch() options are not an object literal') : []);
  const type = opts.find(([k]) => k === 'type')?.[1];
  const config = opts.find(([k]) => k === 'config')?.[1];
  const typeName = type === undefined ? undefined : stringValue(type);
  if (type !== undefined && (typeName === undefined || !TS_QUERY[typeName]))
    skip('.textSearch() type is not plain, phrase or websearch as a literal');
  const configName = config === undefined ? undefined : stringValue(config);
  if (config !== undefined && (configName === undefined || !/^[A-Za-z_][\w.]*$/.test(configName)))
    skip('.textSearch() config is not a plain literal name');
  const fn = typeName ? TS_QUERY[typeName]! : 'to_tsquery';
  return (p) => `${col} @@ ${fn}(${configName ? `'${configName}', ` : ''}${p.add(query)})`;
}

function filterOf(seg: Segment): Filter[] | null {
  const args = seg.call?.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  const name = seg.name;
  if (name in COMPARE || name === 'is' || name === 'in') {
    return [comparison(name, column(args[0], `.${name}() column`), args[1], false)];
  }
  if (name === 'not' || name === 'filter') {
    const op = stringValue(args[1]);
    if (op === undefined) skip(`.${name}() operator is not a string literal`);
    if (op === 'in') skip(`.${name}(col, "in", "(...)") uses a PostgREST list string: bind an array instead`);
    return [comparison(op, column(args[0], `.${name}() column`), args[2], name === 'not')];
  }
  if (name === 'match') {
    const entries = objectEntries(args[0]);
    if (!entries) skip('.match() argument is not an object literal');
    return entries.map(([k, v]) => comparison('eq', quoteIdent(k), v, false));
  }
  if (name === 'textSearch') return [textSearch(args)];
  if (['or', 'likeAllOf', 'likeAnyOf'].includes(name) || /^range[A-Z]/.test(name)) {
    skip(`.${name}() has no simple SQL form here: translate it by hand`);
  }
  return null;
}

interface Parsed {
  op: 'select' | 'insert' | 'upsert' | 'update' | 'delete';
  columns: string;
  returning?: string;
  filters: Filter[];
  orders: string[];
  limit?: ts.Expression;
  range?: [ts.Expression, ts.Expression];
  values?: ts.Expression;
  options?: ts.Expression;
  count?: { head: boolean };
  /** `{ count: 'exact' }` given to insert/upsert/update/delete: the number of rows written. */
  writeCount?: boolean;
  notes: string[];
}

const IGNORED = new Set(['returns', 'overrideTypes', 'throwOnError', 'abortSignal', 'setHeader']);

/**
 * `implicitSelect`: the chain reads rows without a `.select()` of its own (what follows `.rpc()`);
 * `embed`: the table's place for embedded relations in its select lists.
 */
function parse(
  segments: Segment[],
  options: { implicitSelect?: boolean; embed?: EmbedContext } = {},
): Parsed {
  let parsed: Parsed | undefined;
  const filters: Filter[] = [];
  const orders: string[] = [];
  const notes: string[] = [];
  let limit: ts.Expression | undefined;
  let range: [ts.Expression, ts.Expression] | undefined;
  for (const seg of segments) {
    const args = seg.call?.arguments;
    if (!seg.call || !args) skip(`.${seg.name} is read as a property`);
    if (IGNORED.has(seg.name)) continue;
    if (['insert', 'upsert', 'update', 'delete'].includes(seg.name)) {
      if (parsed) skip(`.${seg.name}() after .${parsed.op}()`);
      const options = seg.name === 'delete' ? args[0] : args[1];
      parsed = {
        op: seg.name as Parsed['op'],
        columns: '*',
        filters,
        orders,
        notes,
        ...(args[0] && seg.name !== 'delete' ? { values: args[0] } : {}),
        ...(options ? { options } : {}),
        ...(objectEntries(options)?.some(([k]) => k === 'count') ? { writeCount: true } : {}),
      };
      continue;
    }
    if (seg.name === 'select') {
      if (args[0] && stringValue(args[0]) === undefined) skip('select columns are not a string literal');
      const list = selectList(stringValue(args[0]), options.embed);
      if (parsed) {
        parsed.returning = list;
        continue;
      }
      parsed = { op: 'select', columns: list, filters, orders, notes };
      const opts = objectEntries(args[1]);
      const count = opts?.find(([k]) => k === 'count');
      if (count) {
        const head = keywordValue(opts?.find(([k]) => k === 'head')?.[1]) === 'true';
        parsed.count = { head };
        if (!head) notes.push('count: run SELECT count(*) with the same WHERE for the total');
      }
      continue;
    }
    const filter = filterOf(seg);
    if (filter) {
      filters.push(...filter);
      continue;
    }
    if (seg.name === 'order') {
      const col = column(args[0], '.order() column');
      const opts =
        objectEntries(args[1]) ?? (args[1] ? skip('.order() options are not an object literal') : []);
      const get = (k: string) => keywordValue(opts.find(([key]) => key === k)?.[1]);
      if (opts.some(([k]) => k === 'foreignTable' || k === 'referencedTable'))
        skip('.order() on a related table');
      const dir = get('ascending') === 'false' ? 'DESC' : 'ASC';
      const nulls = get('nullsFirst');
      orders.push(
        `${col} ${dir}${nulls === 'true' ? ' NULLS FIRST' : nulls === 'false' ? ' NULLS LAST' : ''}`,
      );
      continue;
    }
    if (seg.name === 'limit' || seg.name === 'range') {
      const opts = objectEntries(args[seg.name === 'limit' ? 1 : 2]) ?? [];
      if (opts.some(([k]) => k === 'foreignTable' || k === 'referencedTable'))
        skip(`.${seg.name}() on a related table: write the JOIN and its LIMIT by hand`);
    }
    if (seg.name === 'limit') {
      if (!args[0]) skip('.limit() without a count');
      limit = args[0];
      continue;
    }
    if (seg.name === 'range') {
      if (!args[0] || !args[1]) skip('.range() needs from and to');
      range = [args[0], args[1]];
      continue;
    }
    if (seg.name === 'single') {
      notes.push('single(): expects exactly one row: use rows[0] and treat rows.length !== 1 as an error');
      continue;
    }
    if (seg.name === 'maybeSingle') {
      notes.push('maybeSingle(): use rows[0] ?? null (more than one row is an error)');
      continue;
    }
    skip(`.${seg.name}() is not translated`);
  }
  if (options.implicitSelect) {
    if (parsed && parsed.op !== 'select') skip(`.${parsed.op}() after .rpc()`);
    parsed ??= { op: 'select', columns: '*', filters, orders, notes };
  }
  if (!parsed) skip('no select, insert, update, upsert or delete');
  return { ...parsed, ...(limit ? { limit } : {}), ...(range ? { range } : {}) };
}

function valueRows(values: ts.Expression | undefined): Array<Array<[string, ts.Expression]>> {
  if (!values) skip('no values');
  const v = unwrap(values);
  const rows = ts.isArrayLiteralExpression(v) ? [...v.elements] : [v];
  const out = rows.map(
    (r) => objectEntries(r) ?? skip('values are not an object literal: list the columns by hand'),
  );
  const keys = out[0]?.map(([k]) => k).join(',');
  if (!keys || out.some((r) => r.map(([k]) => k).join(',') !== keys))
    skip('rows do not share the same columns');
  return out;
}

const DATE_NOTE =
  'timestamp and date columns come back as Date objects from node-postgres (supabase-js gave ISO strings): call .toISOString() where the code expects a string';
const COUNT_NOTE =
  'count(*) is a bigint, which node-postgres returns as a string: use Number(rows[0].count) (supabase-js gave a number)';

/** Notes for values whose binding differs from what PostgREST did with them. */
function valueNotes(rows: Array<Array<[string, ts.Expression]>>): string[] {
  const arrays = new Set(
    rows.flatMap((r) => r.filter(([, v]) => ts.isArrayLiteralExpression(unwrap(v))).map(([k]) => k)),
  );
  return [...arrays].map(
    (k) =>
      `${k} is bound from a JS array: node-postgres sends it as a PostgreSQL array; if ${k} is json/jsonb, pass JSON.stringify(...) instead`,
  );
}

function where(filters: Filter[], p: Params): string {
  return filters.length ? ` WHERE ${filters.map((f) => f(p)).join(' AND ')}` : '';
}

function tail(parsed: Parsed, p: Params): string {
  let sql = parsed.orders.length ? ` ORDER BY ${parsed.orders.join(', ')}` : '';
  if (parsed.range) {
    const [from, to] = parsed.range;
    const a = numberValue(from);
    const b = numberValue(to);
    if (a !== undefined && b !== undefined) sql += ` LIMIT ${b - a + 1} OFFSET ${a}`;
    else {
      const pa = p.add(from);
      const pb = p.add(to);
      sql += ` LIMIT (${pb}::bigint - ${pa}::bigint + 1) OFFSET ${pa}::bigint`;
    }
  } else if (parsed.limit) {
    const n = numberValue(parsed.limit);
    sql += ` LIMIT ${n !== undefined ? n : p.add(parsed.limit)}`;
  }
  return sql;
}

/**
 * An insert or update of a row that is not an object literal: the SQL is built at run time from the
 * row's defined keys, the row bound as JSON and converted by jsonb_populate_record(set), as PostgREST
 * does with the body supabase-js sends (undefined keys left out, so column defaults still apply).
 */
function dynamicRow(parsed: Parsed, table: string, p: Params, returning: string): SqlTranslation | undefined {
  if ((parsed.op !== 'insert' && parsed.op !== 'update') || !parsed.values) return undefined;
  const v = unwrap(parsed.values);
  if (ts.isArrayLiteralExpression(v) ? v.elements.every((e) => objectEntries(e)) : objectEntries(v))
    return undefined;
  if (parsed.op === 'insert' && parsed.filters.length) skip('filters on .insert()');
  if (parsed.op === 'update' && ts.isArrayLiteralExpression(v)) skip('.update() with an array');
  const whereSql = parsed.op === 'update' ? where(parsed.filters, p) : '';
  const params = [...p.list];
  const keys = '<keys of the row>';
  const row = `$${params.length + 1}::jsonb`;
  let text =
    parsed.op === 'insert'
      ? `INSERT INTO ${table} (${keys}) SELECT ${keys} FROM jsonb_populate_recordset(NULL::${table}, ${row})${returning}`
      : `UPDATE ${table} SET (${keys}) = (SELECT ${keys} FROM jsonb_populate_record(NULL::${table}, ${row}))${whereSql}${returning}`;
  if (parsed.writeCount) text = `WITH written AS (${text}) SELECT count(*) FROM written`;
  const expression = v.getText(v.getSourceFile());
  if (parsed.op === 'update' && !parsed.filters.length) parsed.notes.push('no filter: updates every row');
  return {
    text,
    params: [...params, `JSON.stringify(${expression})`],
    notes: parsed.notes,
    row: { op: parsed.op, table, expression, where: whereSql, returning },
  };
}

/** SQL for a `from(table)` chain, or the reason there is none. */
export function translateFromChain(
  sf: ts.SourceFile,
  table: string,
  segments: Segment[],
  foreignKeys?: readonly ForeignKey[],
): { sql: SqlTranslation } | { skipped: string } {
  try {
    const parsed = parse(segments, {
      embed: {
        table: qualify(table),
        ref: quoteIdent(table.split('.').pop()!),
        ...(foreignKeys ? { foreignKeys } : {}),
        aliases: { next: 0 },
      },
    });
    if (parsed.op !== 'select' && (parsed.orders.length > 0 || parsed.limit || parsed.range))
      skip(
        `.order()/.limit()/.range() on .${parsed.op}(): PostgREST orders and limits the rows it writes; write it by hand`,
      );
    const p = new Params(sf);
    const t = table
      .split('.')
      .map((part) => quoteIdent(part))
      .join('.');
    if (parsed.writeCount && parsed.returning)
      skip(`.${parsed.op}({ count }) with .select(): the rows and their count need two statements`);
    const returning = parsed.writeCount
      ? ' RETURNING 1'
      : parsed.returning
        ? ` RETURNING ${parsed.returning}`
        : '';
    const dynamic = dynamicRow(parsed, t, p, returning);
    if (dynamic) return { sql: dynamic };
    let text: string;
    switch (parsed.op) {
      case 'select': {
        if (parsed.count?.head) {
          // A head count is the number of matching rows: order, limit and range do not change it.
          text = `SELECT count(*) FROM ${t}${where(parsed.filters, p)}`;
          parsed.notes.push(COUNT_NOTE);
          break;
        }
        text = `SELECT ${parsed.columns} FROM ${t}${where(parsed.filters, p)}${tail(parsed, p)}`;
        if (parsed.count) parsed.notes.push(COUNT_NOTE);
        parsed.notes.push(DATE_NOTE);
        break;
      }
      case 'delete':
        text = `DELETE FROM ${t}${where(parsed.filters, p)}${returning}`;
        if (!parsed.filters.length) parsed.notes.push('no filter: deletes every row');
        break;
      case 'update': {
        const rows = valueRows(parsed.values);
        const [row] = rows;
        parsed.notes.push(...valueNotes(rows));
        const set = (row ?? []).map(([k, v]) => `${quoteIdent(k)} = ${p.add(v)}`).join(', ');
        text = `UPDATE ${t} SET ${set}${where(parsed.filters, p)}${returning}`;
        if (!parsed.filters.length) parsed.notes.push('no filter: updates every row');
        break;
      }
      case 'insert':
      case 'upsert': {
        if (parsed.filters.length) skip(`filters on .${parsed.op}()`);
        const rows = valueRows(parsed.values);
        parsed.notes.push(...valueNotes(rows));
        const cols = (rows[0] ?? []).map(([k]) => k);
        const values = rows.map((r) => `(${r.map(([, v]) => p.add(v)).join(', ')})`).join(', ');
        text = `INSERT INTO ${t} (${cols.map(quoteIdent).join(', ')}) VALUES ${values}`;
        if (parsed.op === 'upsert') {
          const opts = objectEntries(parsed.options) ?? [];
          const target = stringValue(opts.find(([k]) => k === 'onConflict')?.[1]);
          const ignore = keywordValue(opts.find(([k]) => k === 'ignoreDuplicates')?.[1]) === 'true';
          const conflict = target === undefined ? [] : target.split(',').map((c) => c.trim());
          // Without onConflict PostgREST conflicts on the primary key, whatever its columns.
          const pkey = quoteIdent(`${table.split('.').pop()}_pkey`);
          if (target === undefined)
            parsed.notes.push(
              `upsert without onConflict conflicts on the primary key: the constraint is assumed to have PostgreSQL's default name ${pkey}`,
            );
          const update = cols.filter((c) => !conflict.includes(c));
          text +=
            (target === undefined
              ? ` ON CONFLICT ON CONSTRAINT ${pkey} `
              : ` ON CONFLICT (${conflict.map(quoteIdent).join(', ')}) `) +
            (ignore || update.length === 0
              ? 'DO NOTHING'
              : `DO UPDATE SET ${update.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`);
        }
        text += returning;
        break;
      }
    }
    if (parsed.returning && parsed.op !== 'select') parsed.notes.push(DATE_NOTE);
    if (parsed.writeCount) text = `WITH written AS (${text}) SELECT count(*) FROM written`;
    return { sql: { text, params: p.list, notes: parsed.notes } };
  } catch (error) {
    if (error instanceof Skip) return { skipped: error.message };
    throw error;
  }
}

/**
 * SQL for `rpc('fn', { a: x, b: y })` and what follows it (filters, order, limit, range, select, single):
 * `SELECT * FROM fn(a => $1, b => $2) WHERE ... ORDER BY ... LIMIT ...`.
 */
export function translateRpc(
  sf: ts.SourceFile,
  fn: string,
  args: ts.Expression | undefined,
  segments: Segment[] = [],
): { sql: SqlTranslation } | { skipped: string } {
  try {
    const p = new Params(sf);
    const entries = args ? objectEntries(args) : [];
    if (!entries) skip('rpc arguments are not an object literal');
    const list = entries.map(([k, v]) => `${quoteIdent(k)} => ${p.add(v)}`).join(', ');
    const parsed = parse(segments, { implicitSelect: true });
    const call = `${fn.split('.').map(quoteIdent).join('.')}(${list})`;
    const text = parsed.count?.head
      ? `SELECT count(*) FROM ${call}${where(parsed.filters, p)}`
      : `SELECT ${parsed.columns} FROM ${call}${where(parsed.filters, p)}${tail(parsed, p)}`;
    return {
      sql: {
        text,
        params: p.list,
        notes: [
          'a function that returns a scalar gives one row with one column named after the function',
          ...parsed.notes,
        ],
      },
    };
  } catch (error) {
    if (error instanceof Skip) return { skipped: error.message };
    throw error;
  }
}
