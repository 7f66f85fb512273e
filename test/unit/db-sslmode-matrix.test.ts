/**
 * The CLI's connections follow libpq's sslmode rules: every mode × a server with/without TLS × the right,
 * a wrong or no root certificate × a loopback or a remote address, against a stand-in of PostgreSQL's
 * startup handshake (test/helpers/pg-wire-stub.ts). "Remote" is this machine's own non-loopback address,
 * so the same server answers both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { connectPostgres } from '../../src/core/pg.ts';
import { resolvePgConnection } from '../../src/core/pg-settings.ts';
import { SSL_MODES, type LibpqSslMode } from '@supa2aws/runtime/db';
import { createCertificateAuthority, issueServerCertificate } from '../../src/sandbox/tls-certs.ts';
import { startWireStub, type WireStub } from '../helpers/pg-wire-stub.ts';
import { tempDir } from '../helpers/temp-dir.ts';

type Ca = 'right' | 'wrong' | 'absent';
type Outcome = 'tls' | 'plain' | string;

const remoteIp = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

let dir: string;
let rightCa: string;
let wrongCa: string;
let withTls: WireStub;
let withoutTls: WireStub;
let hostsslOnly: WireStub;

before(async () => {
  dir = tempDir('sslmode-');
  const ca = createCertificateAuthority(dir, 'right', 'Test Right CA');
  rightCa = ca.certFile;
  wrongCa = createCertificateAuthority(dir, 'wrong', 'Test Wrong CA').certFile;
  const server = issueServerCertificate(ca, dir, 'server', {
    dns: ['localhost'],
    ip: ['127.0.0.1', ...(remoteIp ? [remoteIp] : [])],
  });
  const keys = { key: readFileSync(server.keyFile, 'utf8'), cert: readFileSync(server.certFile, 'utf8') };
  withTls = await startWireStub({ tls: keys });
  withoutTls = await startWireStub({});
  hostsslOnly = await startWireStub({ tls: keys, refusePlaintext: true });
});

after(async () => {
  await Promise.all([withTls?.close(), withoutTls?.close(), hostsslOnly?.close()]);
});

/** libpq's documented behaviour, plus supa2aws's floor: no plaintext to a remote host unless `disable`. */
function expected(mode: LibpqSslMode, serverTls: boolean, ca: Ca, remote: boolean): Outcome {
  const verifies = mode === 'verify-ca' || mode === 'verify-full';
  const overTls = !serverTls
    ? 'DB_TLS_UNSUPPORTED'
    : ca === 'right' || (ca === 'absent' && !verifies)
      ? 'tls'
      : 'DB_TLS_UNTRUSTED';
  if (mode === 'disable') return 'plain';
  if (mode === 'allow') return remote ? overTls : 'plain';
  if (mode === 'prefer') return remote || overTls === 'tls' ? overTls : 'plain';
  return overTls;
}

const env = (): NodeJS.ProcessEnv => ({ HOME: dir });

async function attempt(
  url: string,
  stub: WireStub,
  warnings: string[] = [],
): Promise<{ outcome: Outcome; hint?: string }> {
  const before = stub.sessions.length;
  try {
    const client = await connectPostgres(url, 'source', { env: env(), onWarning: (m) => warnings.push(m) });
    await client.end().catch(() => undefined);
    const last = stub.sessions.at(-1);
    assert.ok(stub.sessions.length > before && last, 'a session reached the server');
    return { outcome: last.encrypted ? 'tls' : 'plain' };
  } catch (error) {
    assert.ok(isSupa2awsError(error), String(error));
    assert.ok(error.exitCode !== 70, `${error.code} must not exit 70`);
    return { outcome: error.code, ...(error.hint ? { hint: error.hint } : {}) };
  }
}

function urlFor(host: string, port: number, mode: LibpqSslMode, ca: Ca): string {
  const root = ca === 'right' ? rightCa : ca === 'wrong' ? wrongCa : undefined;
  const query = new URLSearchParams({ sslmode: mode, ...(root ? { sslrootcert: root } : {}) });
  return `postgresql://app:pw@${host}:${port}/db?${query.toString()}`;
}

describe('sslmode matrix (mode × server TLS × root certificate × host)', () => {
  for (const mode of SSL_MODES) {
    for (const serverTls of [true, false]) {
      for (const ca of ['right', 'wrong', 'absent'] as const) {
        for (const remote of [false, true]) {
          const want = expected(mode, serverTls, ca, remote);
          const name = `sslmode=${mode}, server ${serverTls ? 'with' : 'without'} TLS, CA ${ca}, ${remote ? 'remote' : 'loopback'} host → ${want}`;
          it(
            name,
            { skip: remote && !remoteIp ? 'no non-loopback address on this machine' : false },
            async () => {
              const stub = serverTls ? withTls : withoutTls;
              const host = remote ? remoteIp! : '127.0.0.1';
              const warnings: string[] = [];
              const got = await attempt(urlFor(host, stub.port, mode, ca), stub, warnings);
              assert.equal(got.outcome, want);
              if (got.outcome.startsWith('DB_')) assert.ok(got.hint, 'every refusal carries a hint');
              assert.equal(warnings.length, mode === 'disable' && remote ? 1 : 0, warnings.join('; '));
            },
          );
        }
      }
    }
  }
});

describe('libpq rules beyond the matrix', () => {
  it('GIVEN sslmode=allow and a server that refuses plaintext (hostssl) THEN the second attempt is TLS', async () => {
    const got = await attempt(urlFor('127.0.0.1', hostsslOnly.port, 'allow', 'absent'), hostsslOnly);
    assert.equal(got.outcome, 'tls');
    assert.deepEqual(
      hostsslOnly.sessions.slice(-2).map((s) => s.encrypted),
      [false, true],
    );
  });

  it('GIVEN verify-full to an address the certificate does not name THEN DB_TLS_UNTRUSTED; verify-ca accepts it', async () => {
    const full = await attempt(urlFor('127.0.0.2', withTls.port, 'verify-full', 'right'), withTls);
    assert.equal(full.outcome, 'DB_TLS_UNTRUSTED');
    const ca = await attempt(urlFor('127.0.0.2', withTls.port, 'verify-ca', 'right'), withTls);
    assert.equal(ca.outcome, 'tls');
  });

  it('GIVEN no sslmode THEN require for a remote host, prefer for loopback, verify-full with the RDS bundle for RDS', () => {
    const mode = (url: string) => resolvePgConnection(url, 'source', { env: env() }).summary;
    assert.equal(mode('postgresql://u@db.abcdefghij.supabase.co/postgres').sslMode, 'require');
    assert.equal(mode('postgresql://u@db.abcdefghij.supabase.co/postgres').plaintext, false);
    assert.equal(mode('postgresql://u@127.0.0.1/postgres').sslMode, 'prefer');
    const rds = mode('postgresql://u@app.abc123.eu-west-1.rds.amazonaws.com/app');
    assert.deepEqual([rds.sslMode, rds.rootCert, rds.sslModeFrom], ['verify-full', 'rds-bundle', 'default']);
  });

  it('GIVEN PGSSLMODE and PGSSLROOTCERT THEN they apply where the URL is silent, and the URL wins', () => {
    const withEnv = { ...env(), PGSSLMODE: 'verify-ca', PGSSLROOTCERT: rightCa };
    const silent = resolvePgConnection('postgresql://u@db.example.com/d', 'target', { env: withEnv }).summary;
    assert.deepEqual(
      [silent.sslMode, silent.sslModeFrom, silent.rootCert],
      ['verify-ca', 'PGSSLMODE', rightCa],
    );
    const loud = resolvePgConnection('postgresql://u@db.example.com/d?sslmode=require', 'target', {
      env: withEnv,
    }).summary;
    assert.deepEqual([loud.sslMode, loud.sslModeFrom], ['require', 'url']);
  });

  it('GIVEN sslrootcert=system with a weaker sslmode THEN refused as libpq does', () => {
    assert.throws(
      () =>
        resolvePgConnection('postgresql://u@db.example.com/d?sslmode=require&sslrootcert=system', 'source', {
          env: env(),
        }),
      (e: unknown) => isSupa2awsError(e) && e.code === 'DB_CONFIG_INVALID' && e.exitCode === 2,
    );
    const system = resolvePgConnection('postgresql://u@db.example.com/d?sslrootcert=system', 'source', {
      env: env(),
    }).summary;
    assert.deepEqual([system.sslMode, system.rootCert], ['verify-full', 'system']);
  });

  it('GIVEN an unknown sslmode, an unreadable CA or a CA file that is not PEM THEN coded usage errors', () => {
    const codeOf = (url: string) => {
      try {
        resolvePgConnection(url, 'source', { env: env() });
      } catch (error) {
        assert.ok(isSupa2awsError(error));
        assert.equal(error.exitCode, 2);
        return error.code;
      }
      return 'none';
    };
    assert.equal(codeOf('postgresql://u@h/d?sslmode=verify'), 'DB_CONFIG_INVALID');
    assert.equal(codeOf('postgresql://u@h/d?sslmode=no-verify'), 'DB_TLS_INSECURE');
    assert.equal(codeOf('postgresql://u@h/d?sslrootcert=/nonexistent/ca.pem'), 'DB_CA_FILE_MISSING');
    assert.equal(
      codeOf(`postgresql://u@h/d?sslrootcert=${encodeURIComponent(rightCa.replace('.pem', '.key'))}`),
      'DB_CA_FILE_MISSING',
    );
  });

  it('GIVEN a host name that does not resolve THEN DB_HOST_NOT_FOUND with a DNS hint', async () => {
    const got = await attempt('postgresql://u:pw@db.nonexistent.invalid:5432/d', withTls);
    assert.equal(got.outcome, 'DB_HOST_NOT_FOUND');
    assert.match(got.hint ?? '', /DNS|getent/);
  });
});
