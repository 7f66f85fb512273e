/**
 * The end-to-end proof of `supa2aws migrate-code` on a front end (issue 21): the reference front end as it
 * was on Supabase (test/fixtures/codebases/frontend-before, supabase-js's browser API the way a Vite app uses
 * it) is copied, migrated with `migrate-code --write`, type-checked with its own tsconfig, built with Vite,
 * and must then pass, unchanged, the same browser flow as the hand-written reference (frontend.test.ts)
 * against the sandbox after the demo's migration. A second run changes nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli-run.ts';
import { checkedOutCopy, sourcesLeft, typeErrors } from '../helpers/codemod-app.ts';
import {
  signInReloadSignOut,
  startMigratedDemo,
  viteBuild,
  type MigratedDemo,
} from '../helpers/migrated-frontend.ts';
import { serveStatic, type StaticServer } from '../helpers/static-server.ts';

const BEFORE = path.resolve(import.meta.dirname, '../fixtures/codebases/frontend-before');

interface MigrateCodeJson {
  bySide: Record<string, { sites: number; rewritten: number; marked: number }>;
  changes: Array<{ file: string }>;
  typeCheck: { introduced: string[] };
}

async function migrateCode(app: string): Promise<MigrateCodeJson> {
  const run = await runCli(['migrate-code', app, '--write', '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as MigrateCodeJson;
}

describe('migrate-code on the supabase-js front end, in Chromium', () => {
  let app = '';
  let errorsBefore: string[] = [];
  let migrated: MigrateCodeJson;
  let demo: MigratedDemo | undefined;
  let site: StaticServer | undefined;

  before(async () => {
    app = checkedOutCopy(BEFORE, 'codemod-frontend-');
    errorsBefore = typeErrors(app);
    migrated = await migrateCode(app);
    demo = await startMigratedDemo('supa2aws-codemod-frontend-');
    // The generated browser module reads the Cognito pool from the build's environment, as Vite apps do.
    viteBuild(path.join(app, 'vite.config.ts'), {
      VITE_API_BASE_URL: demo.apiUrl,
      VITE_COGNITO_USER_POOL_ID: demo.cognito.userPoolId,
      VITE_COGNITO_CLIENT_ID: demo.cognito.clientId,
      VITE_COGNITO_ENDPOINT: demo.cognito.endpoint,
    });
    site = await serveStatic(path.join(app, 'dist'));
  });

  after(async () => {
    await site?.close();
    await demo?.close();
  });

  it('GIVEN the before-version WHEN migrated with --write THEN every call site is rewritten, none marked, supabase-js is gone and the app type-checks with its own tsconfig', () => {
    assert.deepEqual(errorsBefore, [], 'the before-version is valid supabase-js code');
    assert.deepEqual(migrated.bySide, { browser: { sites: 4, rewritten: 4, marked: 0 } });
    assert.deepEqual(migrated.typeCheck.introduced, []);
    assert.deepEqual(typeErrors(app), []);
    const sources = sourcesLeft(app);
    assert.ok(!sources.includes('src/lib/supabase.ts'), 'the supabase client module was removed');
    for (const file of sources)
      assert.doesNotMatch(readFileSync(path.join(app, file), 'utf8'), /@supabase\/|supabase\.auth\b/, file);
    assert.doesNotMatch(readFileSync(path.join(app, 'package.json'), 'utf8'), /@supabase\//);
  });

  it('signs in with the old Supabase password, survives a reload, shows a project and its S3 image, signs out', () =>
    signInReloadSignOut(site!.url, demo!));

  it('GIVEN the migrated app WHEN migrate-code --write runs again THEN nothing changes', async () => {
    const status = () => execFileSync('git', ['status', '--porcelain'], { cwd: app, encoding: 'utf8' });
    const written = status();
    const again = await migrateCode(app);
    assert.deepEqual(again.changes, []);
    assert.equal(status(), written);
  });
});
