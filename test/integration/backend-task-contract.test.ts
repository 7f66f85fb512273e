/**
 * Templates are contracts: the Backend stack's task definitions (API and worker), synthesized here, boot the
 * reference backend. Each container gets exactly the names its task definition and image set — values that
 * CloudFormation and ECS fill at deploy time played by the sandbox (RDS stand-in over verify-full TLS, S3
 * stand-in, cognito-local, a Secrets Manager stand-in) — plus only the stand-in endpoints real AWS does not
 * need (test/helpers/backend-contract.ts). The database login is the app role `db app-role` makes, its
 * password served from the app-role secret under the ARN the task definition names (DATABASE_SECRET_ID). A
 * name the stack sets that the backend does not read, or reads under another name, shows up here as a
 * failure to start or to reach a service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  backendContract,
  containerEnv,
  runContainer,
  startStandIns,
  STAND_IN_ONLY,
  type BackendContract,
  type RunningContainer,
  type StandIns,
} from '../helpers/backend-contract.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { freePort } from '../../src/sandbox/ports.ts';

let contract: BackendContract;
let s: StandIns;
const running: RunningContainer[] = [];

before(async () => {
  contract = backendContract();
  s = await startStandIns(await getTestSandbox(), contract);
});

after(async () => {
  for (const c of running) await c.stop();
  await s?.close();
});

/** Who the containers' pools are logged in as (their application_name), seen from the server. */
async function sessionUsers(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: s.db.adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ usename: string }>(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name = 'supa2aws-app'`,
      [s.db.name],
    );
    return rows.map((r) => r.usename);
  } finally {
    await admin.end();
  }
}

describe('the Backend task definitions boot the reference backend', () => {
  it('GIVEN the default stacks THEN both containers are set the same names, and only stand-in endpoints are added', async () => {
    const port = await freePort();
    const api = Object.keys(containerEnv(contract.api, contract.image, s, { port })).sort();
    const worker = Object.keys(containerEnv(contract.worker, contract.image, s, { port })).sort();
    assert.deepEqual(worker, api);
    const fromStack = new Set([
      ...Object.keys(contract.image.environment),
      ...Object.keys(contract.api.environment),
      ...Object.keys(contract.api.secrets),
    ]);
    assert.deepEqual(
      api.filter((name) => !fromStack.has(name)),
      [...STAND_IN_ONLY].sort(),
    );
    for (const name of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGSSLMODE', 'PGUSER']) {
      assert.ok(fromStack.has(name), `${name}: the database is reached through libpq's variables`);
    }
    assert.ok(!fromStack.has('DATABASE_URL'), 'no connection string with a password in the task definition');
    assert.ok(!fromStack.has('PGPASSWORD'), 'the password is read from the secret on each new connection');
    for (const container of [contract.api, contract.worker]) {
      assert.deepEqual(container.secretIds, { SECRETS_ID: 'app', DATABASE_SECRET_ID: 'database' });
      assert.deepEqual(container.secrets.PGUSER, { secret: 'database', key: 'username' });
    }
    assert.equal(
      contract.databaseSecret.passwordKey,
      'password',
      "the key secretPassword reads (DATABASE_SECRET_ID's default)",
    );
    assert.equal(contract.databaseSecret.template.username, s.appRole.name);
    assert.equal(contract.image.environment.DATABASE_CA_FILE, '/etc/ssl/certs/rds-global-bundle.pem');
    assert.equal(contract.api.environment.PGSSLMODE, 'verify-full');
  });

  it('GIVEN the API container WHEN it starts THEN it logs in as the app role with the password from its secret over verify-full TLS, and reaches the buckets, Cognito and the app secret', async () => {
    const port = await freePort();
    const api = runContainer(contract.api, containerEnv(contract.api, contract.image, s, { port }));
    running.push(api);
    await api.waitFor('api listening');
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/health`);
    const body = (await health.json()) as { checks: Record<string, { ok: boolean }> };
    assert.equal(health.status, 200, JSON.stringify(body));
    assert.equal(body.checks.database?.ok, true);
    assert.equal(body.checks.storage?.ok, true);
    assert.equal(
      (await fetch(`${base}${contract.synthesized.settings.backend.healthCheckPath}`)).status,
      200,
    );

    const loaded = api.logs.find((l) => l.message === 'secrets loaded');
    assert.ok(loaded, 'SECRETS_ID was loaded at boot');
    assert.deepEqual(
      s.secrets.requested,
      [s.appSecretId, s.dbSecretId],
      'the app secret at boot, the app role secret once for the pool',
    );
    assert.deepEqual(
      await sessionUsers(),
      [s.appRole.name],
      'the API logs in as the app role, not the owner',
    );
    assert.ok(!api.logs.some((l) => l.message === 'JWKS warm-up failed; will fetch on first request'));

    const headers = { Authorization: `Bearer ${await s.accessToken()}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${base}/projects`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'through the task definition' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const list = (await (await fetch(`${base}/projects`, { headers })).json()) as {
      projects: Array<{ title: string }>;
    };
    assert.deepEqual(
      list.projects.map((p) => p.title),
      ['through the task definition'],
      'a Cognito token maps to the Supabase user ID through custom:supabase_id',
    );

    const bytes = Buffer.from('89504e470d0a1a0a', 'hex');
    for (const [bucket, publicBase] of [
      ['images', s.publicBaseUrls.images],
      ['asset-images', s.publicBaseUrls.assetImages],
    ] as const) {
      const upload = (await (
        await fetch(`http://127.0.0.1:${port}/assets/upload-url`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            filename: 'cover.png',
            contentType: 'image/png',
            size: bytes.length,
            bucket,
          }),
        })
      ).json()) as { url: string; publicUrl: string };
      const put = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'Content-Type': 'image/png' },
        body: bytes,
      });
      assert.equal(put.status, 200);
      assert.ok(
        upload.publicUrl.startsWith(`${publicBase}/`),
        `${bucket}: under its public base URL: ${upload.publicUrl}`,
      );
      const image = await fetch(upload.publicUrl);
      assert.equal(image.status, 200);
      assert.deepEqual(Buffer.from(await image.arrayBuffer()), bytes);
    }

    assert.equal(await api.stop(), 0);
    const logs = JSON.stringify(api.logs);
    assert.ok(!logs.includes(s.appRole.password), 'no database password in the logs');
  });

  it('GIVEN the worker container (its own command) WHEN a job is queued THEN it renders the video into the videos bucket', async () => {
    const client = new pg.Client({ connectionString: s.db.url });
    await client.connect();
    try {
      const project = await client.query<{ id: string }>(
        `INSERT INTO public.projects (user_id, title) VALUES ($1, 'worker contract') RETURNING id`,
        [s.user.id],
      );
      const job = await client.query<{ id: string }>(
        `INSERT INTO public.video_jobs (project_id, user_id, prompt) VALUES ($1, $2, 'a harbour at dawn') RETURNING id`,
        [project.rows[0]!.id, s.user.id],
      );
      const worker = runContainer(
        contract.worker,
        containerEnv(contract.worker, contract.image, s, { port: await freePort() }),
      );
      running.push(worker);
      await worker.waitFor('video job executor started');
      const done = await worker.waitFor('video job completed');
      assert.equal(done.jobId, job.rows[0]!.id, "the app role's own policy lets it claim any user's job");
      assert.deepEqual(await sessionUsers(), [s.appRole.name], 'the worker logs in as the app role');
      const row = await client.query<{ status: string }>(
        'SELECT status FROM public.video_jobs WHERE id = $1',
        [job.rows[0]!.id],
      );
      assert.equal(row.rows[0]?.status, 'completed');
      const head = await fetch(`${s.s3Endpoint}/${s.buckets.videos}/${String(done.key)}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await worker.stop(), 0);
    } finally {
      await client.end();
    }
  });
});
