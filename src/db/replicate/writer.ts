/**
 * A rehearsal writer for tests, the bench and the demo: inserts, updates and deletes on several app tables
 * of the Aiuteur fixture at a steady rate, as the app would — projects and scenes as the `authenticated`
 * role with a user's JWT claims (RLS and FKs apply), notifications (bigserial) and credit transactions
 * (identity) as the connecting role. Every write whose COMMIT returned is in the ledger with the value it
 * left; `checkLedger` then proves it on the other side: every acknowledged write there, nothing
 * duplicated, nothing deleted come back.
 */
import { randomBytes } from 'node:crypto';
import { defaultConnect, type ConnectFn, type PgClient } from '../../core/pg.ts';

type Table = 'projects' | 'scenes' | 'notifications' | 'credit_transactions';

const MARKED: Record<Table, string> = {
  projects: 'title',
  scenes: 'prompt',
  notifications: 'title',
  credit_transactions: 'description',
};

export interface WriterOptions {
  url: string;
  /** Transactions per second. @default 50 */
  rate?: number;
  /** Users the writes belong to (auth.users ids). */
  users: string[];
  /** Write projects and scenes as `authenticated` with JWT claims (RLS). @default true */
  rls?: boolean;
  connect?: ConnectFn;
}

export interface WriterStats {
  attempted: number;
  acknowledged: number;
  /** Refused before COMMIT (e.g. read-only during the freeze): not written. */
  refused: number;
  /** The connection failed at COMMIT: the write may or may not be there. */
  uncertain: number;
  errors: Record<string, number>;
}

export interface Ledger {
  run: string;
  /** table → id → the marked column's value, or null when the row was deleted. */
  rows: Map<Table, Map<string, string | null>>;
}

export interface Writer {
  ledger: Ledger;
  stats(): WriterStats;
  /** Goes on writing to another database (after cutover), with or without RLS. */
  switchTo(url: string, options?: { rls?: boolean }): void;
  stop(): Promise<WriterStats>;
}

function pick<T>(items: T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

export function startWriter(options: WriterOptions): Writer {
  const connect = options.connect ?? defaultConnect;
  const rate = options.rate ?? 50;
  const ledger: Ledger = { run: randomBytes(4).toString('hex'), rows: new Map() };
  for (const t of Object.keys(MARKED) as Table[]) ledger.rows.set(t, new Map());
  const stats: WriterStats = { attempted: 0, acknowledged: 0, refused: 0, uncertain: 0, errors: {} };
  let url = options.url;
  let rls = options.rls ?? true;
  let client: PgClient | undefined;
  let clientUrl: string | undefined;
  let stopped = false;
  let seq = 0;
  const projectScenes = new Map<string, string[]>();

  const live = (t: Table) => [...ledger.rows.get(t)!.entries()].filter(([, v]) => v !== null).map(([k]) => k);
  const mark = () => `w:${ledger.run}:${++seq}`;

  async function session(): Promise<PgClient> {
    if (client && clientUrl === url) return client;
    await client?.end().catch(() => undefined);
    client = undefined;
    const c = await connect(url, 'source');
    // Seen as an app session (supa2aws spares its own sessions when it ends the frozen roles' ones).
    await c.query(`SET application_name = 'rehearsal-writer'`);
    client = c;
    clientUrl = url;
    return c;
  }

  async function asUser(c: PgClient, user: string): Promise<void> {
    if (!rls) return;
    await c.query('SET LOCAL ROLE authenticated');
    await c.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
      JSON.stringify({ sub: user, role: 'authenticated' }),
    ]);
  }

  /** One transaction; returns what to record once COMMIT succeeded. */
  async function operation(c: PgClient): Promise<Array<[Table, string, string | null]>> {
    const user = pick(options.users)!;
    const projects = live('projects');
    const roll = Math.random();
    if (roll < 0.3 || projects.length < 3) {
      await asUser(c, user);
      const title = mark();
      const p = await c.query<{ id: string }>(
        `INSERT INTO public.projects (user_id, title) VALUES ($1, $2) RETURNING id::text`,
        [user, title],
      );
      const prompt = mark();
      const s = await c.query<{ id: string }>(
        `INSERT INTO public.scenes (project_id, user_id, position, prompt) VALUES ($1, $2, 1, $3) RETURNING id::text`,
        [p.rows[0]!.id, user, prompt],
      );
      projectScenes.set(p.rows[0]!.id, [s.rows[0]!.id]);
      return [
        ['projects', p.rows[0]!.id, title],
        ['scenes', s.rows[0]!.id, prompt],
      ];
    }
    if (roll < 0.5) {
      const id = pick(projects)!;
      const title = mark();
      const r = await c.query(`UPDATE public.projects SET title = $2 WHERE id = $1`, [id, title]);
      return r.rowCount === 1 ? [['projects', id, title]] : [];
    }
    if (roll < 0.6) {
      const id = pick(projects)!;
      const r = await c.query(`DELETE FROM public.projects WHERE id = $1`, [id]);
      if (r.rowCount !== 1) return [];
      return [
        ['projects', id, null],
        ...(projectScenes.get(id) ?? []).map((s): [Table, string, null] => ['scenes', s, null]),
      ];
    }
    if (roll < 0.8) {
      const title = mark();
      const r = await c.query<{ id: string }>(
        `INSERT INTO public.notifications (user_id, kind, title) VALUES ($1, 'rehearsal', $2) RETURNING id::text`,
        [user, title],
      );
      return [['notifications', r.rows[0]!.id, title]];
    }
    const description = mark();
    const r = await c.query<{ id: string }>(
      `INSERT INTO public.credit_transactions (user_id, amount, kind, description) VALUES ($1, 1, 'grant', $2) RETURNING id::text`,
      [user, description],
    );
    return [['credit_transactions', r.rows[0]!.id, description]];
  }

  async function once(): Promise<void> {
    stats.attempted++;
    let c: PgClient;
    try {
      c = await session();
    } catch (error) {
      stats.refused++;
      count(error);
      return;
    }
    let changes: Array<[Table, string, string | null]>;
    try {
      await c.query('BEGIN');
      changes = await operation(c);
    } catch (error) {
      stats.refused++;
      count(error);
      await c.query('ROLLBACK').catch(() => drop());
      return;
    }
    try {
      await c.query('COMMIT');
    } catch (error) {
      stats.uncertain++;
      count(error);
      drop();
      return;
    }
    stats.acknowledged++;
    for (const [table, id, value] of changes) ledger.rows.get(table)!.set(id, value);
  }

  function count(error: unknown): void {
    const code = (error as { code?: string }).code ?? 'connection';
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    if (code !== '25006') drop();
  }

  function drop(): void {
    void client?.end().catch(() => undefined);
    client = undefined;
  }

  const loop = (async () => {
    const started = Date.now();
    let n = 0;
    while (!stopped) {
      await once();
      n++;
      const due = started + (n * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  return {
    ledger,
    stats: () => ({ ...stats, errors: { ...stats.errors } }),
    switchTo(next, switchOptions = {}) {
      url = next;
      if (switchOptions.rls !== undefined) rls = switchOptions.rls;
    },
    async stop() {
      stopped = true;
      await loop;
      await client?.end().catch(() => undefined);
      return { ...stats, errors: { ...stats.errors } };
    },
  };
}

export interface LedgerCheck {
  ok: boolean;
  /** Acknowledged rows checked. */
  checked: number;
  /** Acknowledged writes not on this side (or with another value). */
  missing: string[];
  /** Rows the writer deleted that are still here. */
  resurrected: string[];
  /** A marked value present more than once. */
  duplicated: string[];
  /** Marked rows here the ledger does not have (at most `uncertain` allowed). */
  unknown: number;
}

/** Proves the ledger against one side; `uncertain` writes may be there or not. */
export async function checkLedger(client: PgClient, ledger: Ledger, uncertain = 0): Promise<LedgerCheck> {
  const out: LedgerCheck = { ok: true, checked: 0, missing: [], resurrected: [], duplicated: [], unknown: 0 };
  for (const [table, expected] of ledger.rows) {
    const column = MARKED[table];
    const { rows } = await client.query<{ id: string; v: string }>(
      `SELECT id::text AS id, ${column} AS v FROM public.${table} WHERE ${column} LIKE $1`,
      [`w:${ledger.run}:%`],
    );
    const found = new Map<string, string>();
    const values = new Map<string, number>();
    for (const r of rows) {
      found.set(r.id, r.v);
      values.set(r.v, (values.get(r.v) ?? 0) + 1);
    }
    for (const [value, n] of values) if (n > 1) out.duplicated.push(`${table} ${value} ×${n}`);
    for (const [id, value] of expected) {
      out.checked++;
      if (value === null) {
        if (found.has(id)) out.resurrected.push(`${table} ${id}`);
      } else if (found.get(id) !== value)
        out.missing.push(`${table} ${id} = ${value} (found ${found.get(id) ?? 'nothing'})`);
    }
    for (const id of found.keys()) if (!expected.has(id)) out.unknown++;
  }
  out.ok =
    out.missing.length === 0 &&
    out.resurrected.length === 0 &&
    out.duplicated.length === 0 &&
    out.unknown <= uncertain;
  return out;
}
