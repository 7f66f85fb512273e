/**
 * Embedded relations in a supabase-js select (`'*, author(name), comments(id, body)'`) as PostgREST runs
 * them: one query, each embed a correlated subquery over the one foreign key between the two tables —
 * `row_to_json` for a to-one relation (the row's own foreign key), `json_agg` for a to-many one (the
 * other table's key to this row). Without the schema's foreign keys, or with more than one candidate and
 * no `!hint`, there is no exact translation and the caller says so.
 */

/** A foreign key, tables schema-qualified (`public.posts`). */
export interface ForeignKey {
  /** The constraint's name (what `!hint` may name). */
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface EmbedContext {
  /** The table whose select list holds the embed, schema-qualified. */
  table: string;
  /** How the SQL refers to that table's row. */
  ref: string;
  foreignKeys?: readonly ForeignKey[];
  /** Subquery aliases handed out so far (shared by the whole statement). */
  aliases: { next: number };
}

/** `alias:relation!hint(inner)`, or undefined for a plain column. */
export interface EmbedPart {
  alias?: string;
  relation: string;
  hint?: string;
  inner: string;
}

export function qualify(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

/** Splits a select list on the commas outside parentheses. */
export function splitSelect(raw: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of raw) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

export function parseEmbed(part: string): EmbedPart | undefined {
  const m = /^(?:([A-Za-z_]\w*)\s*:\s*)?([A-Za-z_][\w.]*)(?:!([A-Za-z_]\w*))?\s*\(([\s\S]*)\)$/.exec(part);
  if (!m) return undefined;
  const [, alias, relation = '', hint, inner = ''] = m;
  return { ...(alias ? { alias } : {}), relation, ...(hint ? { hint } : {}), inner };
}

/** The foreign key an embed follows and which way, or why there is not exactly one. */
export function embedKey(
  ctx: EmbedContext,
  embed: EmbedPart,
): { key: ForeignKey; toOne: boolean } | { manual: string } {
  if (!ctx.foreignKeys)
    return {
      manual: `select embeds a related table ("${embed.relation}(...)"): run migrate-code with --database-url so it can read the foreign key, or write the JOIN by hand`,
    };
  if (embed.hint === 'inner' || embed.hint === 'left')
    return {
      manual: `!${embed.hint} on "${embed.relation}" changes which rows come back: write the JOIN by hand`,
    };
  const target = qualify(embed.relation);
  const matches = ctx.foreignKeys
    .flatMap((key) => [
      ...(key.table === ctx.table && key.refTable === target ? [{ key, toOne: true }] : []),
      ...(key.table === target && key.refTable === ctx.table ? [{ key, toOne: false }] : []),
    ])
    .filter(
      ({ key }) =>
        !embed.hint || key.name === embed.hint || (key.columns.length === 1 && key.columns[0] === embed.hint),
    );
  if (matches.length === 1) return matches[0]!;
  return {
    manual:
      matches.length === 0
        ? `no foreign key between ${ctx.table} and ${target}${embed.hint ? ` named ${embed.hint}` : ''}: write the JOIN by hand`
        : `${matches.length} foreign keys between ${ctx.table} and ${target} (${matches.map((m) => m.key.name).join(', ')}): name one as ${embed.relation}!<constraint>(...), or write the JOIN by hand`,
  };
}

/**
 * The SQL of one embed: a subquery over `relation` correlated with `ctx.ref`, its select list made by
 * `innerList` (which may embed further, from the relation's side).
 */
export function embedSql(
  ctx: EmbedContext,
  embed: EmbedPart,
  key: { key: ForeignKey; toOne: boolean },
  quote: (name: string) => string,
  innerList: (raw: string, inner: EmbedContext) => string,
): string {
  const n = ++ctx.aliases.next;
  const source = `e${n}_row`;
  const result = `e${n}`;
  const target = qualify(embed.relation);
  const on = key.key.columns
    .map((col, i) => {
      const ref = key.key.refColumns[i]!;
      return key.toOne
        ? `${source}.${quote(ref)} = ${ctx.ref}.${quote(col)}`
        : `${source}.${quote(col)} = ${ctx.ref}.${quote(ref)}`;
    })
    .join(' AND ');
  const list = innerList(embed.inner, { ...ctx, table: target, ref: source });
  const from = `FROM ${embed.relation.split('.').map(quote).join('.')} AS ${source} WHERE ${on}`;
  const name = quote(embed.alias ?? embed.relation.split('.').pop()!);
  return key.toOne
    ? `(SELECT row_to_json(${result}) FROM (SELECT ${list} ${from}) AS ${result}) AS ${name}`
    : `COALESCE((SELECT json_agg(${result}) FROM (SELECT ${list} ${from}) AS ${result}), '[]'::json) AS ${name}`;
}
