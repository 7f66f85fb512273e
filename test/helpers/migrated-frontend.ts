/**
 * What a front end must pass once the demo's migration is done (storage, database, auth): the sandbox left
 * up with the reference API on it, a Vite build of the SPA, and the browser flow in Chromium — a Supabase
 * user who has not signed in since the migration signs in with their OLD Supabase password (the Cognito
 * migrate-user trigger moves them), reloads and is still signed in, sees their projects from the reference
 * API on the AWS side and a project image served by S3, and signs out. The hand-written reference front end
 * and the one `migrate-code` makes from its supabase-js version pass the same flow.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig } from '../../src/config/index.ts';
import { startBackendProcesses } from '../../src/demo/backend-processes.ts';
import { backendEnv, runDemo } from '../../src/demo/run-demo.ts';
import { readTestUsers } from '../../src/fixture/index.ts';
import { sandboxConfigFile, sandboxEnv, stopSandbox, readState } from '../../src/sandbox/index.ts';
import { launchBrowser } from './browser.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface MigratedDemo {
  /** The reference API on the migrated sandbox. */
  apiUrl: string;
  cognito: { userPoolId: string; clientId: string; endpoint: string };
  /** The test user the flow signs in as, and their Supabase UUID. */
  bob: { email: string; password: string; id: string };
  close(): Promise<void>;
}

/** The demo's whole migration in its own sandbox, left up, with the reference API (and worker) running on it. */
export async function startMigratedDemo(prefix: string): Promise<MigratedDemo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const stateDir = path.join(dir, 'sandbox');
  const demo = await runDemo({ stateDir, reportDir: path.join(dir, 'report'), keep: true });
  assert.equal(demo.ok, true, JSON.stringify(demo.steps));
  const state = readState(stateDir)!;
  const { config } = parseConfig(sandboxConfigFile(state), sandboxEnv(state));
  assert.ok(config?.target.cognito?.endpoint);
  const bob = readTestUsers().users.find((u) => u.key === 'bob')!;
  const source = new pg.Client({ connectionString: config.source.db.url });
  await source.connect();
  const bobId = (
    await source.query<{ id: string }>('SELECT id FROM auth.users WHERE email = $1', [bob.email])
  ).rows[0]!.id;
  await source.end();
  const backend = await startBackendProcesses(backendEnv(config, stateDir), path.join(dir, 'logs'));
  return {
    apiUrl: backend.apiUrl,
    cognito: {
      userPoolId: config.target.cognito.userPoolId,
      clientId: config.target.cognito.clientId,
      endpoint: config.target.cognito.endpoint,
    },
    bob: { email: bob.email!, password: bob.password!, id: bobId },
    async close() {
      await backend.stop();
      await stopSandbox(stateDir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `vite build` of the SPA whose config file is given, with extra build-time environment (VITE_*). */
export function viteBuild(viteConfig: string, env: Record<string, string> = {}): void {
  const build = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      viteConfig,
      '--logLevel',
      'error',
    ],
    { cwd: path.dirname(viteConfig), encoding: 'utf8', env: { ...process.env, ...env } },
  );
  assert.equal(build.status, 0, build.stderr);
}

/** The flow, in Chromium, on the SPA served at `siteUrl`. */
export async function signInReloadSignOut(siteUrl: string, demo: MigratedDemo): Promise<void> {
  const { bob } = demo;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const signedIn = () =>
      page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in', null, {
        timeout: 20_000,
      });

    await page.goto(siteUrl);
    await page.waitForSelector('#sign-in-form:not([hidden])');
    await page.fill('#email', bob.email);
    await page.fill('#password', bob.password);
    const image = page.waitForResponse((r) => r.request().resourceType() === 'image', { timeout: 20_000 });
    await page.click('#sign-in');
    await signedIn();
    assert.equal(await page.textContent('#user-id'), bob.id, 'the session carries the old Supabase UUID');
    assert.equal(await page.textContent('#user-email'), bob.email);
    await page.waitForSelector('#projects li');
    assert.ok((await page.locator('#projects li').count()) > 0);
    const response = await image;
    assert.equal(response.status(), 200, `image ${response.url()}`);
    assert.ok(!response.url().includes('supabase.co'), `the image comes from S3: ${response.url()}`);
    assert.match(response.headers()['content-type'] ?? '', /^image\//);

    await page.reload();
    await signedIn();
    assert.equal(await page.textContent('#user-id'), bob.id);
    await page.waitForSelector('#projects li');

    await page.click('#sign-out');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed out');
    await page.reload();
    await page.waitForSelector('#sign-in-form:not([hidden])');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
}
