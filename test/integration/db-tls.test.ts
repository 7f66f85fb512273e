/**
 * TLS against the sandbox's real servers: both PostgreSQL stand-ins serve TLS with their own CAs, and the
 * sandbox config asks for verify-full. "Remote" is this machine's own non-loopback address, forwarded to
 * the sandbox (which listens on loopback only), so the client sees a non-loopback host.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { connectPostgres, type PgClient } from '../../src/core/pg.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');
const remoteIp = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

let sb: TestSandbox;
let forwarder: net.Server | undefined;
let forwardPort = 0;
const sockets = new Set<net.Socket>();

before(async () => {
  sb = await getTestSandbox();
  if (!remoteIp) return;
  const targetPort = sb.state.sourceDb!.port;
  forwarder = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => forwarder!.listen(0, remoteIp, resolve));
  forwardPort = (forwarder.address() as net.AddressInfo).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (forwarder ? forwarder.close(() => resolve()) : resolve()));
});

async function encrypted(client: PgClient): Promise<boolean> {
  try {
    const { rows } = await client.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0]?.ssl === true;
  } finally {
    await client.end();
  }
}

function withParams(url: string, params: Record<string, string | null>): string {
  const u = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    if (value === null) u.searchParams.delete(key);
    else u.searchParams.set(key, value);
  }
  return u.toString();
}

describe('TLS to the sandbox databases', () => {
  it('GIVEN the sandbox config THEN both sides are verify-full against their own, different CAs', async () => {
    const config = sb.config();
    for (const url of [config.source.db.url, config.target.db.url]) {
      assert.equal(new URL(url).searchParams.get('sslmode'), 'verify-full');
    }
    assert.notEqual(sb.state.sourceDb!.caFile, sb.state.targetDb!.caFile);
    assert.equal(await encrypted(await connectPostgres(config.source.db.url, 'source')), true);
    assert.equal(await encrypted(await connectPostgres(config.target.db.url, 'target')), true);
  });

  it('GIVEN sslmode=require and no CA THEN it connects encrypted without verifying', async () => {
    const url = withParams(sb.config().target.db.url, { sslmode: 'require', sslrootcert: null });
    assert.equal(
      await encrypted(await connectPostgres(url, 'target', { env: { HOME: tempDir('home-') } })),
      true,
    );
  });

  it("GIVEN the other side's CA THEN DB_TLS_UNTRUSTED with a hint naming sslrootcert", async () => {
    const url = withParams(sb.config().target.db.url, { sslrootcert: sb.state.sourceDb!.caFile! });
    await assert.rejects(connectPostgres(url, 'target'), (error: unknown) => {
      assert.ok(isSupa2awsError(error));
      assert.equal(error.code, 'DB_TLS_UNTRUSTED');
      assert.equal(error.exitCode, 3);
      assert.match(error.hint ?? '', /sslrootcert/);
      return true;
    });
  });

  it(
    'GIVEN a non-loopback host THEN prefer and allow stay encrypted; only an explicit disable is plaintext, with a warning',
    { skip: remoteIp ? false : 'no non-loopback address' },
    async () => {
      const remote = new URL(sb.config().source.db.url);
      remote.hostname = remoteIp!;
      remote.port = String(forwardPort);
      for (const mode of ['prefer', 'allow']) {
        const url = withParams(remote.toString(), { sslmode: mode, sslrootcert: null });
        const warnings: string[] = [];
        const client = await connectPostgres(url, 'source', { onWarning: (m) => warnings.push(m) });
        assert.equal(await encrypted(client), true, mode);
        assert.deepEqual(warnings, []);
      }
      const warnings: string[] = [];
      const plain = withParams(remote.toString(), { sslmode: 'disable', sslrootcert: null });
      const client = await connectPostgres(plain, 'source', { onWarning: (m) => warnings.push(m) });
      assert.equal(await encrypted(client), false);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /not encrypted/);
    },
  );

  it(
    'GIVEN --json and connections that warn THEN every stderr line is a JSON event',
    { skip: remoteIp ? false : 'no non-loopback address' },
    () => {
      const dir = tempDir('tls-json-');
      const raw = structuredClone(sandboxConfigFile(sb.state)) as {
        source: { db: { url: string } };
        target: { db: { url: string } };
      };
      const source = new URL(raw.source.db.url.replace('${SUPA2AWS_SOURCE_DB_PASSWORD}', 'PW'));
      source.hostname = remoteIp!;
      source.port = String(forwardPort);
      source.searchParams.set('sslmode', 'disable');
      source.searchParams.delete('sslrootcert');
      raw.source.db.url = source.toString().replace('PW', '${SUPA2AWS_SOURCE_DB_PASSWORD}');
      raw.target.db.url = withParams(raw.target.db.url.replace('${SUPA2AWS_TARGET_DB_PASSWORD}', 'PW'), {
        sslmode: 'require',
        sslrootcert: null,
      }).replace('PW', '${SUPA2AWS_TARGET_DB_PASSWORD}');
      const file = path.join(dir, 'supa2aws.config.json');
      writeFileSync(file, JSON.stringify(raw));
      const result = spawnSync(
        process.execPath,
        [path.join(root, 'bin', 'supa2aws.js'), 'doctor', '--json', '-c', file],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, ...sandboxEnv(sb.state), HOME: dir },
        },
      );
      const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
      assert.ok(
        lines.some((l) => /not encrypted/.test(l)),
        `the plaintext warning is an event: ${result.stderr.slice(-2000)}`,
      );
      JSON.parse(result.stdout);
    },
  );
});
