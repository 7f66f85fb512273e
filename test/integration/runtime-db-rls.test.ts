/**
 * @supa2aws/runtime/db against the sandbox's PostgreSQL 16 (the RDS stand-in), connected as the
 * non-superuser master user: RLS through withUser, the statement timeout, shutdown, and secrets
 * staying out of what the pool exposes and throws.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type pg from 'pg';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';
import { installCompat } from '../../examples/backend/test/target-schema.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import {
  closePool,
  createPool,
  DbErrorCode,
  describePool,
  withTransaction,
  withUser,
} from '@supa2aws/runtime/db';

const userA = randomUUID();
const userB = randomUUID();
let db: TestDatabase;
let pool: pg.Pool;

async function rejectsCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as { code?: string }).code, code, String(error));
    return error as Error;
  }
  assert.fail(`expected ${code}`);
}

before(async () => {
  const sb = await getTestSandbox();
  db = await sb.freshTargetDb();
  await installCompat(db.url);
  pool = createPool({ connectionString: db.url, max: 2 });
  await pool.query(`
    CREATE TABLE public.notes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid NOT NULL DEFAULT auth.uid(),
      body text NOT NULL
    );
    ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY "own notes" ON public.notes FOR ALL TO authenticated
      USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
    GRANT USAGE ON SCHEMA public TO authenticated;
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated;`);
});

after(async () => {
  await closePool(pool);
});

describe('withUser (RLS)', () => {
  it('GIVEN rows of two users WHEN each reads through withUser THEN each sees only their own', async () => {
    await withUser(pool, userA, (c) => c.query(`INSERT INTO notes (body) VALUES ('a1'), ('a2')`));
    await withUser(pool, { sub: userB }, (c) => c.query(`INSERT INTO notes (body) VALUES ('b1')`));

    const seenByA = await withUser(
      pool,
      userA,
      async (c) => (await c.query('SELECT body, user_id FROM notes ORDER BY body')).rows,
    );
    assert.deepEqual(
      seenByA.map((r) => r.body),
      ['a1', 'a2'],
    );
    assert.ok(seenByA.every((r) => r.user_id === userA));
    const seenByB = await withUser(pool, userB, async (c) => (await c.query('SELECT body FROM notes')).rows);
    assert.deepEqual(
      seenByB.map((r) => r.body),
      ['b1'],
    );

    // As the owner (no user), RLS does not restrict: all three rows are there.
    const all = await withTransaction(
      pool,
      async (c) => (await c.query('SELECT count(*)::int AS n FROM notes')).rows[0].n,
    );
    assert.equal(all, 3);
  });

  it("GIVEN user A WHEN A updates, deletes or inserts B's rows THEN nothing changes or RLS refuses", async () => {
    const updated = await withUser(pool, userA, (c) =>
      c.query(`UPDATE notes SET body = 'hacked' WHERE body = 'b1'`),
    );
    assert.equal(updated.rowCount, 0);
    const deleted = await withUser(pool, userA, (c) =>
      c.query(`DELETE FROM notes WHERE user_id = $1`, [userB]),
    );
    assert.equal(deleted.rowCount, 0);
    await rejectsCode(
      withUser(pool, userA, (c) =>
        c.query(`INSERT INTO notes (user_id, body) VALUES ($1, 'forged')`, [userB]),
      ),
      '42501',
    );
    const b = await withUser(pool, userB, async (c) => (await c.query('SELECT body FROM notes')).rows);
    assert.deepEqual(
      b.map((r) => r.body),
      ['b1'],
    );
  });

  it('GIVEN req.user from runtime/auth WHEN used THEN auth.uid(), auth.email(), auth.role() and auth.jwt() see it', async () => {
    const row = await withUser(
      pool,
      { id: userA, email: 'a@example.com', claims: { sub: 'cognito-sub-not-the-app-id', client_id: 'web' } },
      async (c) =>
        (
          await c.query(`SELECT auth.uid() AS uid, auth.email() AS email, auth.role() AS role,
                               auth.jwt() ->> 'client_id' AS client, current_user AS db_role`)
        ).rows[0],
    );
    assert.deepEqual(row, {
      uid: userA,
      email: 'a@example.com',
      role: 'authenticated',
      client: 'web',
      db_role: 'authenticated',
    });
  });

  it('GIVEN a finished withUser WHEN the same connection is reused THEN no identity is left on it', async () => {
    const single = createPool({ connectionString: db.url, max: 1 });
    try {
      await withUser(single, userA, (c) => c.query('SELECT 1'));
      const { rows } = await single.query(
        `SELECT current_user AS who, coalesce(current_setting('request.jwt.claims', true), '') AS claims,
                coalesce(current_setting('request.jwt.claim.sub', true), '') AS sub`,
      );
      assert.deepEqual(rows[0], { who: 'postgres', claims: '', sub: '' });
    } finally {
      await closePool(single);
    }
  });

  it('GIVEN fn throws THEN the transaction rolls back and the error is the original one', async () => {
    await assert.rejects(
      withUser(pool, userA, async (c) => {
        await c.query(`INSERT INTO notes (body) VALUES ('rolled back')`);
        throw new Error('boom');
      }),
      /boom/,
    );
    const n = await withUser(
      pool,
      userA,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM notes WHERE body = 'rolled back'`)).rows[0].n,
    );
    assert.equal(n, 0);
  });

  it('GIVEN a bad user ID or a role the login cannot use THEN coded errors', async () => {
    await rejectsCode(
      withUser(pool, 'not-a-uuid', (c) => c.query('SELECT 1')),
      DbErrorCode.userId,
    );
    await rejectsCode(
      withUser(pool, { sub: 42 } as never, (c) => c.query('SELECT 1')),
      DbErrorCode.userId,
    );
    await rejectsCode(
      withUser(pool, userA, (c) => c.query('SELECT 1'), { role: 'Robert"; DROP' }),
      DbErrorCode.role,
    );
    await rejectsCode(
      withUser(pool, userA, (c) => c.query('SELECT 1'), { role: 'no_such_role_x' }),
      DbErrorCode.role,
    );
  });
});

describe('failover', () => {
  it('GIVEN the connection is killed while checked out THEN withUser rejects, the process survives, the pool recovers', async () => {
    const admin = createPool({ connectionString: db.adminUrl, max: 1 });
    try {
      await assert.rejects(
        withUser(pool, userA, async (c) => {
          const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await new Promise((r) => setTimeout(r, 200)); // the error event arrives while no query runs
          await c.query('SELECT 1');
        }),
      );
      const n = await withUser(
        pool,
        userA,
        async (c) => (await c.query('SELECT count(*)::int AS n FROM notes')).rows[0].n,
      );
      assert.ok(n >= 2);
    } finally {
      await closePool(admin);
    }
  });
});

describe('statement timeout', () => {
  it('GIVEN a pool with a 300 ms statement timeout WHEN a query runs longer THEN it is cancelled (57014)', async () => {
    const quick = createPool({ connectionString: db.url, statementTimeoutMs: 300 });
    try {
      await rejectsCode(quick.query('SELECT pg_sleep(5)'), '57014');
      await rejectsCode(
        withUser(quick, userA, (c) => c.query('SELECT pg_sleep(5)')),
        '57014',
      );
    } finally {
      await closePool(quick);
    }
  });

  it('GIVEN the default pool WHEN asked THEN statement_timeout is 30s; a transaction can lower it', async () => {
    assert.equal((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout, '30s');
    await rejectsCode(
      withUser(pool, userA, (c) => c.query('SELECT pg_sleep(5)'), { statementTimeoutMs: 200 }),
      '57014',
    );
  });
});

describe('secrets and failures', () => {
  it('GIVEN a wrong password WHEN connecting THEN DB_AUTH_FAILED and the password is nowhere in the error', async () => {
    const wrong = 'wrong-Pa55-xyz';
    const url = new URL(db.url);
    url.password = wrong;
    const bad = createPool({ connectionString: url.toString() });
    try {
      const error = await rejectsCode(
        withUser(bad, userA, (c) => c.query('SELECT 1')),
        DbErrorCode.authFailed,
      );
      assert.ok(isSupa2awsError(error));
      for (const text of [
        error.message,
        JSON.stringify(error),
        inspect(error, { depth: 4 }),
        inspect(bad, { depth: 6 }),
      ]) {
        assert.ok(!text.includes(wrong), text.slice(0, 300));
      }
    } finally {
      await closePool(bad);
    }
  });

  it('GIVEN the real pool WHEN its options and summary are printed THEN the password is absent', () => {
    const password = decodeURIComponent(new URL(db.url).password);
    for (const text of [
      inspect(pool, { depth: 6 }),
      JSON.stringify(pool.options),
      JSON.stringify(describePool(pool)),
    ]) {
      assert.ok(!text.includes(password));
    }
  });

  it('GIVEN nothing listening THEN DB_UNREACHABLE, retryable', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const nowhere = createPool({ connectionString: url.toString(), connectionTimeoutMs: 2000 });
    try {
      const error = await rejectsCode(
        withUser(nowhere, userA, (c) => c.query('SELECT 1')),
        DbErrorCode.unreachable,
      );
      assert.equal((error as { retryable?: boolean }).retryable, true);
    } finally {
      await closePool(nowhere);
    }
  });
});

describe('closePool', () => {
  it('GIVEN a checked-out connection WHEN closing THEN it waits until release (or the timeout), and refuses new work', async () => {
    const p = createPool({ connectionString: db.url });
    const client = await p.connect();
    const first = await closePool(p, { timeoutMs: 200 });
    assert.deepEqual(first, { drained: false, open: 1 });
    await rejectsCode(
      withUser(p, userA, (c) => c.query('SELECT 1')),
      DbErrorCode.closed,
    );
    const closing = closePool(p, { timeoutMs: 5000 });
    client.release();
    assert.deepEqual(await closing, { drained: true, open: 0 });
  });
});
