/**
 * A password rotation that running tasks survive: the app pool takes its password from the app secret
 * through secretPassword (the runtime's callback), against the sandbox's RDS stand-in and a local stand-in
 * of Secrets Manager's documented GetSecretValue API (AWS JSON 1.1; the SDK client is real). The role's
 * password and the secret's value change while the pool holds a connection: that connection keeps working
 * and new connections succeed with the new password, read again after the server refuses the cached one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  closePool,
  createPool,
  isSecretPassword,
  poolOptionsFromEnv,
  secretPassword,
  withTransaction,
} from '@supa2aws/runtime/db';
import { pgUrl } from '../../src/sandbox/sandbox-config.ts';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';

const role = `rot_${randomBytes(3).toString('hex')}`;
const secretId = `app-db-${role}`;
let current = randomBytes(18).toString('base64url');
let secretReads = 0;
let server: http.Server;
let endpoint: string;
let db: TestDatabase;
let url: string;

async function asOwner(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { SecretId: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || body.SecretId !== secretId) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
        return;
      }
      secretReads++;
      res.end(
        JSON.stringify({
          Name: secretId,
          VersionId: `v${secretReads}`,
          SecretString: JSON.stringify({ username: role, password: current, engine: 'postgres' }),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sb = await getTestSandbox();
  db = await sb.freshTargetDb();
  await asOwner(`CREATE ROLE ${role} LOGIN PASSWORD '${current}'`);
  const withoutPassword = new URL(pgUrl(sb.state.targetDb!, role, 'x', db.name));
  withoutPassword.password = '';
  url = withoutPassword.toString();
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const secretOptions = () => ({
  secretId,
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

describe('rotating the app role password under a live pool', () => {
  it('GIVEN a pool reading its password from the secret WHEN the role password and the secret change THEN the open connection survives and new connections succeed', async () => {
    const password = secretPassword(secretOptions());
    const pool = createPool({ connectionString: url, password, max: 4 });
    try {
      const held = await pool.connect();
      assert.equal((await held.query('SELECT current_user AS u')).rows[0].u, role);
      assert.equal(password.reads, 1);

      current = randomBytes(18).toString('base64url');
      await asOwner(`ALTER ROLE ${role} PASSWORD '${current}'`);

      assert.equal((await held.query('SELECT 1 AS one')).rows[0].one, 1, 'the open session survives');
      const fresh = await pool.connect();
      assert.equal((await fresh.query('SELECT current_user AS u')).rows[0].u, role);
      assert.equal(password.reads, 2, 'the refused password made it read the secret again');
      fresh.release();
      held.release();

      current = randomBytes(18).toString('base64url');
      await asOwner(`ALTER ROLE ${role} PASSWORD '${current}'`);
      // pool.query and withTransaction connect through the same path.
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1'), pool.query('SELECT 1')]);
      assert.equal(
        await withTransaction(pool, async (c) => (await c.query('SELECT 2 AS two')).rows[0].two),
        2,
      );
      assert.ok(password.reads <= 4, `at most one read per refused connection wave (${password.reads})`);
    } finally {
      await closePool(pool);
    }
  });

  it('GIVEN the secret still holds the old password WHEN a new connection is refused THEN the error is DB_AUTH_FAILED, not a hang or a crash', async () => {
    const pool = createPool({ connectionString: url, password: secretPassword(secretOptions()), max: 1 });
    try {
      await pool.query('SELECT 1');
      await asOwner(`ALTER ROLE ${role} PASSWORD '${randomBytes(18).toString('base64url')}'`);
      await pool.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
      await assert.rejects(
        withTransaction(pool, async () => undefined),
        (e: Error) => (e as { code?: string }).code === 'DB_AUTH_FAILED',
      );
    } finally {
      await closePool(pool);
      await asOwner(`ALTER ROLE ${role} PASSWORD '${current}'`);
    }
  });

  it('GIVEN DATABASE_SECRET_ID in the environment WHEN the pool options are read THEN the password comes from that secret', async () => {
    const options = poolOptionsFromEnv({
      PGHOST: '127.0.0.1',
      PGDATABASE: db.name,
      PGUSER: role,
      PGPASSWORD: 'ignored-when-a-secret-is-named',
      DATABASE_SECRET_ID: secretId,
      SECRETS_ENDPOINT: endpoint,
      AWS_REGION: 'eu-west-1',
    });
    assert.ok(isSecretPassword(options.password));
    assert.equal(options.password.secretId, secretId);
  });
});
