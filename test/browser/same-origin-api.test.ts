/**
 * The deployed shape end to end, in Chromium: the reference API runs with the environment taken from the
 * synthesized API task definition (sandbox values substituted, test/helpers/backend-contract.ts) against
 * the sandbox; the SPA is built with the values CloudFront would serve it with (its API base URL is the
 * stack's ApiUrl: the site's own origin plus the API path); and a local reverse proxy STANDS IN FOR
 * CLOUDFRONT (test/helpers/cloudfront-stand-in.ts), routing by the synthesized Frontend template's own
 * behaviours and functions: `<apiPath>/*` to the API with the prefix stripped, everything else to the SPA
 * files, client routes to index.html. The browser must reach the API through that one origin: no
 * cross-origin call, no CORS preflight, nothing but the Cognito stand-in outside it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  backendContract,
  containerEnv,
  REPO_ROOT,
  runContainer,
  startStandIns,
  type BackendContract,
  type RunningContainer,
  type StandIns,
} from '../helpers/backend-contract.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startCloudFrontStandIn, type CloudFrontStandIn } from '../helpers/cloudfront-stand-in.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { freePort } from '../../src/sandbox/ports.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';

const frontendDir = path.join(REPO_ROOT, 'examples', 'frontend');

describe('the SPA and the API on one origin, routed as the Frontend template routes them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-same-origin-'));
  let contract: BackendContract;
  let s: StandIns;
  let api: RunningContainer | undefined;
  let cdn: CloudFrontStandIn | undefined;
  let apiBaseUrl = '';

  before(async () => {
    contract = backendContract();
    s = await startStandIns(await getTestSandbox(), contract);
    const client = new pg.Client({ connectionString: s.db.url });
    await client.connect();
    await client.query(
      `INSERT INTO public.projects (user_id, title) VALUES ($1, 'seen through the API path')`,
      [s.user.id],
    );
    await client.end();

    const port = await freePort();
    api = runContainer(contract.api, containerEnv(contract.api, contract.image, s, { port }));
    await api.waitFor('api listening');

    const frontend = contract.synthesized.template('frontend');
    const spaDir = path.join(dir, 'spa');
    cdn = await startCloudFrontStandIn({ template: frontend, api: `http://127.0.0.1:${port}`, spaDir });
    // ApiUrl is `https://<distribution domain>` + apiPath: the same join with the stand-in's origin.
    const parts = frontend.findOutputs(OUTPUT_KEYS.apiUrl)[OUTPUT_KEYS.apiUrl]!.Value[
      'Fn::Join'
    ][1] as unknown[];
    assert.equal(parts.length, 3);
    assert.equal(parts[0], 'https://');
    apiBaseUrl = `${cdn.url}${String(parts[2])}`;

    const build = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        path.join(frontendDir, 'vite.config.ts'),
        '--outDir',
        spaDir,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          VITE_API_BASE_URL: apiBaseUrl,
          VITE_COGNITO_USER_POOL_ID: s.cognito.userPoolId,
          VITE_COGNITO_CLIENT_ID: s.cognito.clientId,
          // Stand-in only: on AWS the SDK derives Cognito's endpoint from the pool's region.
          VITE_COGNITO_ENDPOINT: s.cognito.endpoint,
        },
      },
    );
    assert.equal(build.status, 0, build.stderr);
  });

  after(async () => {
    await cdn?.close();
    await api?.stop();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in, lists projects from the API through the API path on its own origin, and deep links get the SPA', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      const requests: Array<{ method: string; url: string }> = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));

      await page.goto(`${cdn!.url}/projects/some-client-route`);
      await page.waitForSelector('#sign-in-form:not([hidden])');
      await page.fill('#email', s.user.email);
      await page.fill('#password', s.user.password);
      await page.click('#sign-in');
      await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in', null, {
        timeout: 20_000,
      });
      assert.equal(await page.textContent('#user-id'), s.user.id);
      await page.waitForSelector('#projects li');
      assert.deepEqual(await page.locator('#projects li').allTextContents(), ['seen through the API path']);
      assert.deepEqual(pageErrors, []);

      const origin = new URL(cdn!.url).origin;
      const apiCalls = requests.filter((r) => r.url.startsWith(`${apiBaseUrl}/`));
      assert.deepEqual(
        apiCalls.map((r) => `${r.method} ${new URL(r.url).pathname}`),
        [`GET ${new URL(apiBaseUrl).pathname}/projects`],
      );
      assert.ok(!requests.some((r) => r.method === 'OPTIONS'), 'no CORS preflight');
      const elsewhere = requests.filter(
        (r) => new URL(r.url).origin !== origin && !r.url.startsWith(s.cognito.endpoint),
      );
      assert.deepEqual(elsewhere, [], 'the page talks only to its own origin (and Cognito)');

      const routed = cdn!.log.map(
        (l) => `${l.method} ${l.viewerPath} -> ${l.origin} ${l.originPath} ${l.status}`,
      );
      assert.ok(routed.includes('GET /projects/some-client-route -> spa /index.html 200'), routed.join('\n'));
      assert.ok(
        routed.includes(`GET ${new URL(apiBaseUrl).pathname}/projects -> api /projects 200`),
        routed.join('\n'),
      );
      assert.ok(
        api!.logs.every(
          (l) => typeof l.path !== 'string' || !l.path.startsWith(new URL(apiBaseUrl).pathname),
        ),
        'the API never sees the API path prefix',
      );
    } finally {
      await browser.close();
    }
  });
});
