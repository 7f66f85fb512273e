/**
 * EXPERIMENTAL: the CSV for Cognito's user import job (CreateUserImportJob) with
 * PasswordHashingAlgorithm=BCRYPT, so users who never signed in during the window keep their password too.
 * The API has the parameter (BCRYPT | SCRYPT | ARGON2ID | PBKDF2_SHA256); AWS's CSV documentation we could
 * check still says hashes cannot be imported and names no hash column. So: the header comes from
 * GetCSVHeader (the pool's own columns); the hash goes in the header's password-hash column if it has
 * one, else in `auth.csvPasswordHashColumn`. Prove it on a test pool of a real account before relying on it.
 * The file holds password hashes: written mode 0600, never printed.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync, chmodSync } from 'node:fs';

/** The header AWS documents for a pool without custom attributes (GetCSVHeader's sample response). */
export const DOCUMENTED_CSV_HEADER = [
  'cognito:username',
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
  'cognito:mfa_enabled',
];

export interface CsvLayout {
  columns: string[];
  /** The column the bcrypt hash goes in. */
  hashColumn: string;
  /** Where the columns came from. */
  headerSource: 'GetCSVHeader' | 'documented default (the endpoint has no GetCSVHeader)';
  /** Whether the hash column was named by the pool's header (else it is our unverified guess). */
  hashColumnFromHeader: boolean;
}

export function csvLayout(
  apiHeader: string[] | undefined,
  customAttributes: string[],
  configuredHashColumn: string,
): CsvLayout {
  const base = apiHeader ?? [
    ...DOCUMENTED_CSV_HEADER,
    ...customAttributes.filter((a) => !DOCUMENTED_CSV_HEADER.includes(a)),
  ];
  const found = base.find((c) => /pass(word)?[_:.-]?hash/i.test(c));
  return {
    columns: found ? base : [...base, configuredHashColumn],
    hashColumn: found ?? configuredHashColumn,
    headerSource: apiHeader ? 'GetCSVHeader' : 'documented default (the endpoint has no GetCSVHeader)',
    hashColumnFromHeader: found !== undefined,
  };
}

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(columns: string[], values: Record<string, string>): string {
  return `${columns.map((c) => csvField(values[c] ?? '')).join(',')}\n`;
}

/** Streams rows to `<file>.tmp` (mode 0600), renamed into place by close(): a crash leaves no half file. */
export class CsvImportFile {
  rows = 0;
  private fd: number | undefined;
  private readonly tmp: string;

  constructor(
    readonly file: string,
    readonly layout: CsvLayout,
  ) {
    this.tmp = `${file}.tmp`;
    this.fd = openSync(this.tmp, 'w', 0o600);
    chmodSync(this.tmp, 0o600);
    writeSync(this.fd, `${layout.columns.map(csvField).join(',')}\n`);
  }

  write(values: Record<string, string>): void {
    if (this.fd === undefined) throw new Error('the CSV file is closed');
    writeSync(this.fd, csvLine(this.layout.columns, values));
    this.rows++;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tmp, this.file);
    chmodSync(this.file, 0o600);
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}
