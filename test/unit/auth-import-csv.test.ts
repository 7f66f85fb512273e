/**
 * The EXPERIMENTAL import-job CSV (cognito-local has no import jobs and no GetCSVHeader): header as the
 * pool gives it, RFC 4180 quoting, the bcrypt hash in the pool's hash column or our configured guess,
 * mode 0600, no half file left by a crash.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CsvImportFile, csvLayout, csvLine, DOCUMENTED_CSV_HEADER } from '../../src/auth/import-csv.ts';

describe('import-job CSV', () => {
  it('takes the header from GetCSVHeader, using a password-hash column when the pool names one', () => {
    const header = [
      'cognito:username',
      'email',
      'email_verified',
      'custom:supabase_id',
      'cognito:mfa_enabled',
      'cognito:password_hash',
    ];
    const layout = csvLayout(header, [], 'password_hash');
    assert.deepEqual(layout.columns, header);
    assert.equal(layout.hashColumn, 'cognito:password_hash');
    assert.equal(layout.hashColumnFromHeader, true);
    assert.equal(layout.headerSource, 'GetCSVHeader');
  });

  it('appends the configured hash column when the header has none', () => {
    const layout = csvLayout(['cognito:username', 'email'], [], 'password_hash');
    assert.deepEqual(layout.columns, ['cognito:username', 'email', 'password_hash']);
    assert.equal(layout.hashColumnFromHeader, false);
  });

  it('falls back to the documented header plus the pool’s custom attributes', () => {
    const layout = csvLayout(undefined, ['custom:supabase_id'], 'password_hash');
    assert.deepEqual(layout.columns, [...DOCUMENTED_CSV_HEADER, 'custom:supabase_id', 'password_hash']);
    assert.match(layout.headerSource, /documented default/);
  });

  it('quotes fields as RFC 4180 says and leaves empty columns empty', () => {
    assert.equal(
      csvLine(['a', 'b', 'c', 'd'], { a: 'x,y', b: 'say "hi"', d: 'line\nbreak' }),
      '"x,y","say ""hi""",,"line\nbreak"\n',
    );
    // bcrypt hashes need no quoting ($, ., / only)
    assert.equal(csvLine(['h'], { h: '$2a$10$abc./XYZ' }), '$2a$10$abc./XYZ\n');
  });

  it('writes the file mode 0600 and only renames it into place when closed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-csv-'));
    try {
      const file = path.join(dir, 'users.csv');
      const layout = csvLayout(['cognito:username', 'email'], [], 'password_hash');
      const csv = new CsvImportFile(file, layout);
      csv.write({
        'cognito:username': 'alice@example.com',
        email: 'alice@example.com',
        password_hash: '$2a$10$x',
      });
      assert.equal(existsSync(file), false);
      csv.close();
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(
        readFileSync(file, 'utf8'),
        'cognito:username,email,password_hash\nalice@example.com,alice@example.com,$2a$10$x\n',
      );
      const aborted = new CsvImportFile(path.join(dir, 'b.csv'), layout);
      aborted.abort();
      assert.equal(existsSync(path.join(dir, 'b.csv')), false);
      assert.equal(existsSync(path.join(dir, 'b.csv.tmp')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
