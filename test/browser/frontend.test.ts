/**
 * The migrated front end in a real browser (Debian Chromium) against the sandbox after the demo's migration:
 * a Supabase user who has not signed in since the migration signs in with their OLD Supabase password (the
 * Cognito migrate-user trigger moves them), reloads and is still signed in, sees their projects from the
 * reference API on the AWS side and a project image served by S3, and signs out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parseConfig } from '../../src/config/index.ts';
import { startBackendProcesses, type BackendProcesses } from '../../src/demo/backend-processes.ts';
import { backendEnv, runDemo } from '../../src/demo/run-demo.ts';
import { readTestUsers } from '../../src/fixture/index.ts';
import { sandboxConfigFile, sandboxEnv, stopSandbox, readState } from '../../src/sandbox/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { serveStatic, type StaticServer } from '../helpers/static-server.ts';

const root = path.resolve(import.meta.dirname, '../..');
const frontendDir = path.join(root, 'examples', 'frontend');

describe('the migrated front end in Chromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-browser-'));
  const stateDir = path.join(dir, 'sandbox');
  let backend: BackendProcesses | undefined;
  let site: StaticServer | undefined;
  let bobId = '';
  const bob = readTestUsers().users.find((u) => u.key === 'bob')!;

  before(async () => {
    // The whole migration first (storage, database, auth), leaving the sandbox up.
    const demo = await runDemo({ stateDir, reportDir: path.join(dir, 'report'), keep: true });
    assert.equal(demo.ok, true, JSON.stringify(demo.steps));
    const state = readState(stateDir)!;
    const { config } = parseConfig(sandboxConfigFile(state), sandboxEnv(state));
    assert.ok(config?.target.cognito?.endpoint);
    const source = new pg.Client({ connectionString: config.source.db.url });
    await source.connect();
    bobId = (await source.query<{ id: string }>('SELECT id FROM auth.users WHERE email = $1', [bob.email]))
      .rows[0]!.id;
    await source.end();
    backend = await startBackendProcesses(backendEnv(config, stateDir), path.join(dir, 'logs'));
    const build = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        path.join(frontendDir, 'vite.config.ts'),
        '--logLevel',
        'error',
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(build.status, 0, build.stderr);
    site = await serveStatic(path.join(frontendDir, 'dist'), {
      'config.json': {
        apiBaseUrl: backend.apiUrl,
        userPoolId: config.target.cognito.userPoolId,
        userPoolClientId: config.target.cognito.clientId,
        userPoolEndpoint: config.target.cognito.endpoint,
      },
    });
  });

  after(async () => {
    await site?.close();
    await backend?.stop();
    await stopSandbox(stateDir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the old Supabase password, survives a reload, shows a project and its S3 image, signs out', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const signedIn = () =>
        page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in', null, {
          timeout: 20_000,
        });

      await page.goto(site!.url);
      await page.waitForSelector('#sign-in-form:not([hidden])');
      await page.fill('#email', bob.email!);
      await page.fill('#password', bob.password!);
      const image = page.waitForResponse((r) => r.request().resourceType() === 'image', { timeout: 20_000 });
      await page.click('#sign-in');
      await signedIn();
      assert.equal(await page.textContent('#user-id'), bobId, 'the session carries the old Supabase UUID');
      assert.equal(await page.textContent('#user-email'), bob.email ?? '');
      await page.waitForSelector('#projects li');
      assert.ok((await page.locator('#projects li').count()) > 0);
      const response = await image;
      assert.equal(response.status(), 200, `image ${response.url()}`);
      assert.ok(!response.url().includes('supabase.co'), `the image comes from S3: ${response.url()}`);
      assert.match(response.headers()['content-type'] ?? '', /^image\//);

      await page.reload();
      await signedIn();
      assert.equal(await page.textContent('#user-id'), bobId);
      await page.waitForSelector('#projects li');

      await page.click('#sign-out');
      await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed out');
      await page.reload();
      await page.waitForSelector('#sign-in-form:not([hidden])');
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
