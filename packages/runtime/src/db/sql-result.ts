/**
 * Results shaped as supabase-js returned them, for code moved from `supabase.from(...)` to SQL (what
 * `supa2aws migrate-code` writes): `{ data, error }` instead of a thrown error, `.single()` and
 * `.maybeSingle()` semantics with PostgREST's error code, counts as numbers and timestamps as ISO strings.
 */

/** A pool, a pooled client or a client: anything with pg's `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** The error fields supabase-js's PostgrestError carries. */
export interface SqlResultError {
  message: string;
  code: string;
  details: string | null;
  hint: string | null;
}

export interface SqlResult<T> {
  data: T | null;
  error: SqlResultError | null;
  /** Set for `count` results. */
  count?: number | null;
}

/**
 * `rows`: every row (an array); `single`: exactly one row, else an error (PGRST116, as PostgREST);
 * `maybeSingle`: one row or null, more is an error; `count`: data null, `count` from the statement's
 * single `count` column; `none`: the statement returns nothing the caller reads (a write without `.select()`);
 * `{ rpc: name }`: `SELECT * FROM name(...)` read as PostgREST answers `rpc()` — a function returning a
 * scalar gives the value, one returning SETOF a scalar an array of values, any other the rows.
 */
export type SqlResultShape = 'rows' | 'single' | 'maybeSingle' | 'count' | 'none' | { rpc: string };

/** Timestamps and dates as ISO strings (node-postgres gives Date objects; supabase-js gave strings). */
function asSupabaseJs(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
}

function failure(message: string, code: string, details: string | null = null): SqlResult<never> {
  return { data: null, error: { message, code, details, hint: null } };
}

/**
 * Runs one statement and answers as supabase-js did. `T` defaults to `any`, as an untyped supabase-js
 * client's `data` is, so code moved from it type-checks unchanged; pass a row type to narrow it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parity with untyped supabase-js results
export async function sqlResult<T = any>(
  db: Queryable,
  text: string,
  values: unknown[] = [],
  shape: SqlResultShape = 'rows',
): Promise<SqlResult<T>> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await db.query(text, values)).rows;
  } catch (error) {
    const e = error as { message?: string; code?: string; detail?: string; hint?: string };
    return {
      data: null,
      error: {
        message: e.message ?? String(error),
        code: e.code ?? '',
        details: e.detail ?? null,
        hint: e.hint ?? null,
      },
    };
  }
  if (typeof shape === 'object') {
    const only = (r: Record<string, unknown>) => Object.keys(r).length === 1 && shape.rpc in r;
    if (rows.length > 0 && rows.every(only)) {
      const values = rows.map((r) => {
        const v = r[shape.rpc];
        return v instanceof Date ? v.toISOString() : v;
      });
      return { data: (rows.length === 1 ? values[0] : values) as T, error: null };
    }
    return { data: rows.map(asSupabaseJs) as T, error: null };
  }
  switch (shape) {
    case 'none':
      return { data: null, error: null };
    case 'count':
      return { data: null, error: null, count: Number(rows[0]?.count ?? 0) };
    case 'single':
      if (rows.length !== 1)
        return failure(
          'JSON object requested, multiple (or no) rows returned',
          'PGRST116',
          `The result contains ${rows.length} rows`,
        );
      return { data: asSupabaseJs(rows[0]!) as T, error: null };
    case 'maybeSingle':
      if (rows.length > 1)
        return failure(
          'JSON object requested, multiple (or no) rows returned',
          'PGRST116',
          `The result contains ${rows.length} rows`,
        );
      return { data: (rows[0] ? asSupabaseJs(rows[0]) : null) as T | null, error: null };
    default:
      return { data: rows.map(asSupabaseJs) as T, error: null };
  }
}
