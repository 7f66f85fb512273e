/**
 * TLS to the database with the CA verified. The sandbox's PostgreSQL runs without TLS, so a small
 * TLS-terminating proxy stands in front of it, speaking PostgreSQL's SSLRequest handshake (answer 'S',
 * then TLS) with a certificate from a throwaway CA made by openssl; behind it the real server answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';
import { installCompat } from '../../examples/backend/test/target-schema.ts';
import { closePool, createPool, DbErrorCode, withUser, type DbPoolOptions } from '@supa2aws/runtime/db';
import { startWireStub } from '../helpers/pg-wire-stub.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SSL_REQUEST_CODE = 80877103;
let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}

let db: TestDatabase;
let dir: string;
let proxy: net.Server;
let proxyPort: number;
const sockets = new Set<net.Socket>();

function makeCerts(): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Test RDS Root CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
}

function startProxy(upstreamPort: number): Promise<void> {
  const key = readFileSync(path.join(dir, 'server.key'));
  const cert = readFileSync(path.join(dir, 'server.pem'));
  proxy = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (first) => {
      socket.pause();
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('error', () => socket.destroy());
      upstream.on('close', () => sockets.delete(upstream));
      if (first.length === 8 && first.readInt32BE(4) === SSL_REQUEST_CODE) {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        secure.on('error', () => upstream.destroy());
        secure.pipe(upstream).pipe(secure);
      } else {
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        socket.resume();
      }
    });
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
}

before(async () => {
  if (!hasOpenssl) return;
  const sb = await getTestSandbox();
  db = await sb.freshTargetDb();
  await installCompat(db.url);
  dir = tempDir('db-tls-');
  makeCerts();
  await startProxy(Number(new URL(db.url).port));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

after(async () => {
  if (!proxy) return;
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

function viaProxy(host: string, extra: DbPoolOptions): DbPoolOptions {
  const url = new URL(db.url);
  url.hostname = host;
  url.port = String(proxyPort);
  // The sandbox URL's own sslmode/sslrootcert are for the sandbox's CA, not the proxy's.
  url.search = '';
  return { connectionString: url.toString(), connectionTimeoutMs: 5000, ...extra };
}

async function codeOf(options: DbPoolOptions): Promise<string | undefined> {
  const pool = createPool(options);
  try {
    await withUser(pool, randomUUID(), (c) => c.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await closePool(pool);
  }
}

describe('TLS with the CA verified', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  it('GIVEN the CA bundle (caFile) and verify-full WHEN connecting by host name THEN queries run over TLS', async () => {
    const pool = createPool(
      viaProxy('localhost', { sslMode: 'verify-full', caFile: path.join(dir, 'ca.pem') }),
    );
    try {
      const uid = randomUUID();
      const row = await withUser(pool, uid, async (c) => (await c.query('SELECT auth.uid() AS uid')).rows[0]);
      assert.equal(row.uid, uid);
    } finally {
      await closePool(pool);
    }
  });

  it('GIVEN sslmode=require in the URL and no CA WHEN the server cert is not publicly trusted THEN refused (require never means "unverified")', async () => {
    const options = viaProxy('localhost', {});
    options.connectionString += '?sslmode=require';
    assert.equal(await codeOf(options), DbErrorCode.tlsUntrusted);
  });

  it('GIVEN sslrootcert in the URL THEN it is the trust anchor', async () => {
    const options = viaProxy('localhost', {});
    options.connectionString += `?sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(dir, 'ca.pem'))}`;
    assert.equal(await codeOf(options), undefined);
  });

  it('GIVEN the right CA but a host name the certificate does not name THEN verify-full refuses, verify-ca accepts', async () => {
    const caFile = path.join(dir, 'ca.pem');
    assert.equal(
      await codeOf(viaProxy('127.0.0.1', { sslMode: 'verify-full', caFile })),
      DbErrorCode.tlsUntrusted,
    );
    assert.equal(await codeOf(viaProxy('127.0.0.1', { sslMode: 'verify-ca', caFile })), undefined);
  });

  it('GIVEN a server without TLS WHEN TLS is required THEN DB_TLS_UNSUPPORTED', async () => {
    // The sandbox's servers all serve TLS: a stand-in of the startup handshake answers 'N' instead.
    const plain = await startWireStub({});
    try {
      assert.equal(
        await codeOf({
          connectionString: `postgres://app:pw@localhost:${plain.port}/db`,
          sslMode: 'verify-full',
        }),
        DbErrorCode.tlsUnsupported,
      );
    } finally {
      await plain.close();
    }
  });
});
