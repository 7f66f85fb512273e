import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { supabaseInstall } from '../../src/sandbox/supabase-install.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-packaged-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A package directory laid out like Debian's postgresql-15-cron (files only; loading is the integration test's). */
function fakePackage(name: string, files: string[]): { lib: string; extension: string } {
  const lib = path.join(root, name, 'lib');
  const extension = path.join(root, name, 'extension');
  mkdirSync(lib, { recursive: true });
  mkdirSync(extension, { recursive: true });
  for (const file of files) writeFileSync(path.join(file.endsWith('.so') ? lib : extension, file), '');
  return { lib, extension };
}

describe('the Supabase side’s installation with packaged extensions', () => {
  it('GIVEN no postgresql-15-cron WHEN the install is prepared THEN the embedded build runs as it is and pg_cron is unavailable, naming the package', () => {
    const dir = path.join(root, 'tree-none');
    const install = supabaseInstall(dir, 'postgres', fakePackage('none', []));
    assert.equal(install.binaries, undefined);
    assert.deepEqual(install.settings, {});
    assert.equal(install.extensions.length, 1);
    assert.equal(install.extensions[0]?.name, 'pg_cron');
    assert.equal(install.extensions[0]?.loaded, false);
    assert.match(install.extensions[0]?.reason ?? '', /apt-get install postgresql-15-cron/);
    assert.equal(existsSync(dir), false);
  });

  it('GIVEN only the library, not the control file WHEN the install is prepared THEN pg_cron is unavailable', () => {
    const install = supabaseInstall(
      path.join(root, 'tree-half'),
      'postgres',
      fakePackage('half', ['pg_cron.so']),
    );
    assert.equal(install.binaries, undefined);
    assert.equal(install.extensions[0]?.loaded, false);
  });

  it('GIVEN the package WHEN the install is prepared THEN a tree of copied binaries holds the build’s files and pg_cron’s, preloaded for the project database', () => {
    const dir = path.join(root, 'tree-cron');
    const files = [
      'pg_cron.so',
      'pg_cron.control',
      'pg_cron--1.0.sql',
      'pg_cron--1.3--1.4.sql',
      'other.control',
    ];
    const pkg = fakePackage('cron', files);
    const install = supabaseInstall(dir, 'postgres', pkg);
    assert.deepEqual(install.extensions, [{ name: 'pg_cron', loaded: true }]);
    assert.deepEqual(install.settings, {
      shared_preload_libraries: 'pg_cron',
      'cron.database_name': 'postgres',
    });
    assert.equal(install.binaries?.postgres, path.join(dir, 'bin', 'postgres'));
    // PostgreSQL follows a symlinked binary back to node_modules: the binaries are real files in the tree.
    for (const bin of ['postgres', 'pg_ctl', 'initdb'])
      assert.ok(lstatSync(path.join(dir, 'bin', bin)).isFile(), bin);
    const ext = path.join(dir, 'share', 'postgresql', 'extension');
    assert.equal(
      readlinkSync(path.join(ext, 'pg_cron.control')),
      path.join(pkg.extension, 'pg_cron.control'),
    );
    assert.ok(lstatSync(path.join(ext, 'pg_cron--1.3--1.4.sql')).isSymbolicLink());
    assert.equal(existsSync(path.join(ext, 'other.control')), false);
    assert.ok(existsSync(path.join(ext, 'pgcrypto.control')), 'the build’s own extensions stay');
    assert.equal(
      readlinkSync(path.join(dir, 'lib', 'postgresql', 'pg_cron.so')),
      path.join(pkg.lib, 'pg_cron.so'),
    );
    assert.ok(existsSync(path.join(dir, 'lib', 'postgresql', 'plpgsql.so')));
    assert.ok(existsSync(path.join(dir, 'share', 'postgresql', 'postgres.bki')));
  });
});
