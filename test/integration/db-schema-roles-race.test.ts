/**
 * Roles are the cluster's, not a database's: two `db schema` applies on one server (two databases, or two
 * operators) both find `anon` missing, and the second CREATE ROLE waits for the first transaction, then fails on
 * pg_authid's unique index. The prelude must take that as "it exists now". Played out on a private PostgreSQL 16
 * cluster (the RDS stand-in's roles exist already): one transaction creates the roles and holds them
 * uncommitted while the other runs the same statement, then commits.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { preludeSql } from '../../src/db/transform/prelude.ts';
import { initCluster, startCluster, stopCluster } from '../../src/sandbox/postgres-server.ts';
import { freePort } from '../../src/sandbox/ports.ts';
import { query, until } from '../helpers/pg-query.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('db schema prelude on a server where another apply creates the API roles at the same time', () => {
  const dataDir = path.join(tempDir('supa2aws-roles-race-'), 'pg');
  let url = '';

  before(async () => {
    const cluster = {
      major: 16 as const,
      dataDir,
      port: await freePort(),
      superuser: 'master',
      superPassword: 'master-pw',
    };
    await initCluster(cluster);
    await startCluster(cluster);
    url = `postgresql://master:master-pw@127.0.0.1:${cluster.port}/postgres`;
    await query(url, 'CREATE DATABASE second');
  });

  after(async () => {
    await stopCluster(dataDir);
  });

  it('GIVEN one apply holding new roles uncommitted WHEN a second apply runs the roles statement THEN it waits, then succeeds once the first commits', async () => {
    const rolesSql = preludeSql([]).find((statement) => statement.includes('CREATE ROLE'));
    assert.ok(rolesSql, 'the prelude creates the API roles');
    const first = new pg.Client({ connectionString: url });
    const second = new pg.Client({ connectionString: url.replace(/\/postgres$/, '/second') });
    await first.connect();
    await second.connect();
    try {
      await first.query('BEGIN');
      await first.query(rolesSql);
      await second.query('BEGIN');
      const secondRun = second.query(rolesSql).then(
        () => 'ok',
        (error: unknown) => (error as Error).message,
      );
      await until(
        "the second apply waits on the first one's roles",
        async () => {
          const waiting = await query(
            url,
            `SELECT 1 FROM pg_stat_activity WHERE datname = 'second' AND wait_event_type = 'Lock'`,
          );
          return waiting.length === 1;
        },
        10_000,
      );
      await first.query('COMMIT');
      assert.equal(await secondRun, 'ok');
      await second.query('COMMIT');
    } finally {
      await first.end();
      await second.end();
    }
    const roles = await query<{ rolname: string }>(
      url,
      `SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1`,
    );
    assert.deepEqual(
      roles.map((r) => r.rolname),
      ['anon', 'authenticated', 'service_role'],
    );
  });
});
