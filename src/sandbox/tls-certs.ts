/**
 * Throwaway certificate authorities and server certificates for the sandbox's TLS (and the TLS tests),
 * made with the openssl command line: an EC P-256 root CA, and a server certificate it signs for the
 * given DNS names and IP addresses. Keys are written mode 0600.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SandboxError } from '../core/errors.ts';

export interface CertificateAuthority {
  /** PEM file of the CA certificate: what clients use as `sslrootcert`. */
  certFile: string;
  keyFile: string;
}

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new SandboxError(
      'SANDBOX_TLS_FAILED',
      `openssl ${args[0]} failed: ${stderr || (error as Error).message}`,
      {
        hint: 'The sandbox needs the openssl command line for its certificates: apt-get install openssl.',
        cause: error,
      },
    );
  }
}

/** A self-signed root CA named `commonName`, valid for `days`, written as `<name>-ca.pem` / `<name>-ca.key`. */
export function createCertificateAuthority(
  dir: string,
  name: string,
  commonName: string,
  days = 30,
): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, `${name}-ca.pem`);
  const keyFile = path.join(dir, `${name}-ca.key`);
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/** A server certificate signed by `ca` for the names and addresses, written as `<name>.pem` / `<name>.key`. */
export function issueServerCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  subjectAltNames: { dns?: string[]; ip?: string[] },
  days = 30,
): ServerCertificate {
  mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const sans = [
    ...(subjectAltNames.dns ?? []).map((d) => `DNS:${d}`),
    ...(subjectAltNames.ip ?? []).map((ip) => `IP:${ip}`),
  ];
  writeFileSync(
    ext,
    `subjectAltName=${sans.join(',')}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${subjectAltNames.dns?.[0] ?? subjectAltNames.ip?.[0] ?? name}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    String(days),
    '-extfile',
    ext,
  ]);
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
