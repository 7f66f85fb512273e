/**
 * `supa2aws migrate-code` adds what the migrated code needs (issue 21): the runtime package, aws-amplify where
 * browser code signs in through browser-auth, and the variables the runtime reads in the env example files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AMPLIFY_RANGE,
  planAdditions,
  runtimeRange,
  variablesReadByRuntime,
} from '../../src/codemod/add-runtime.ts';
import { planRemovals } from '../../src/codemod/remove-unused.ts';

const SERVER_MODULE = `import { createAuthVerifierFromEnv } from '@supa2aws/runtime/auth';
import { createPool, sqlResult } from '@supa2aws/runtime/db';
import { createStorageFromEnv } from '@supa2aws/runtime/storage';
export const db = createPool();
export const storage = createStorageFromEnv();
`;
const ROUTE = `import { storage } from './supa2aws.server.js';
export const upload = (key: string, body: Buffer) => storage.from('asset-images').upload(key, body);
`;
const BROWSER_MODULE = `import { createBrowserAuth } from '@supa2aws/runtime/browser-auth';
export const auth = createBrowserAuth({ userPoolId: '', userPoolClientId: '' });
`;
const BACKEND_PACKAGE = `{
  "name": "api",
  "type": "module",
  "dependencies": {
    "express": "^5.1.0",
    "pg": "^8.16.0"
  },
  "devDependencies": {
    "typescript": "^5.9.0"
  }
}
`;

describe('migrate-code: what the migrated code needs', () => {
  it('GIVEN a backend using the runtime db, auth and storage WHEN planned THEN package.json gains the runtime, line by line, and the env example its variables', () => {
    const additions = planAdditions({
      code: new Map([
        ['backend/src/supa2aws.server.ts', SERVER_MODULE],
        ['backend/src/routes/assets.ts', ROUTE],
      ]),
      config: new Map([
        ['backend/package.json', BACKEND_PACKAGE],
        ['backend/.env.example', 'PORT=3000\nDATABASE_URL=postgresql://localhost/app\n'],
        ['backend/.env', 'PORT=3000\n'],
      ]),
      runtimeImport: '@supa2aws/runtime',
      runtimeRange: '^0.1.0',
    });
    assert.deepEqual(additions.dependencies, [
      { file: 'backend/package.json', added: ['@supa2aws/runtime'] },
    ]);
    const pkg = additions.edits.get('backend/package.json')!;
    assert.deepEqual(JSON.parse(pkg).dependencies, {
      '@supa2aws/runtime': '^0.1.0',
      express: '^5.1.0',
      pg: '^8.16.0',
    });
    assert.equal(
      pkg.replace('    "@supa2aws/runtime": "^0.1.0",\n', ''),
      BACKEND_PACKAGE,
      'nothing else moves',
    );
    assert.deepEqual(
      additions.env.map((e) => e.name),
      ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'AWS_REGION', 'SUPABASE_URL', 'S3_ASSET_IMAGES_BUCKET'],
      'DATABASE_URL is there already',
    );
    const env = additions.edits.get('backend/.env.example')!;
    assert.match(
      env,
      /^PORT=3000\nDATABASE_URL=postgresql:\/\/localhost\/app\n\n# Read by @supa2aws\/runtime/,
    );
    assert.match(env, /\nS3_ASSET_IMAGES_BUCKET=\n$/);
    assert.ok(!additions.edits.has('backend/.env'), 'a real env file is never edited');
  });

  it('GIVEN a front end signing in through browser-auth and a package.json without dependencies THEN it gets both packages', () => {
    const manifest = '{\n  "name": "web",\n  "private": true\n}\n';
    const additions = planAdditions({
      code: new Map([['web/src/supa2aws.browser.ts', BROWSER_MODULE]]),
      config: new Map([['web/package.json', manifest]]),
      runtimeImport: '@supa2aws/runtime',
      runtimeRange: '^0.1.0',
    });
    assert.deepEqual(JSON.parse(additions.edits.get('web/package.json')!), {
      name: 'web',
      private: true,
      dependencies: { '@supa2aws/runtime': '^0.1.0', 'aws-amplify': AMPLIFY_RANGE },
    });
  });

  it('GIVEN the packages declared already, or the runtime imported by a path THEN no manifest changes', () => {
    const declared = planAdditions({
      code: new Map([['src/supa2aws.browser.ts', BROWSER_MODULE]]),
      config: new Map([
        [
          'package.json',
          '{\n  "dependencies": {\n    "@supa2aws/runtime": "^0.1.0",\n    "aws-amplify": "^6.0.0"\n  }\n}\n',
        ],
      ]),
      runtimeImport: '@supa2aws/runtime',
      runtimeRange: '^0.1.0',
    });
    assert.equal(declared.edits.size, 0);
    const byPath = planAdditions({
      code: new Map([['src/m.ts', `import { createPool } from '../runtime/db';\n`]]),
      config: new Map([['package.json', '{\n  "name": "x"\n}\n']]),
      runtimeImport: '../runtime',
      runtimeRange: '^0.1.0',
    });
    assert.deepEqual(byPath.dependencies, []);
  });

  it('GIVEN the auth verifier in use WHEN Supabase variables are removed THEN SUPABASE_URL stays, for the tokens accepted during the switch', () => {
    const code = new Map([['src/supa2aws.server.ts', SERVER_MODULE]]);
    const removals = planRemovals({
      code,
      config: new Map([['.env.example', 'SUPABASE_URL=https://x.supabase.co\nSUPABASE_ANON_KEY=k\n']]),
      readByRuntime: variablesReadByRuntime(code, '@supa2aws/runtime'),
    });
    assert.equal(removals.edits.get('.env.example'), 'SUPABASE_URL=https://x.supabase.co\n');
    assert.match(removals.env.find((e) => e.name === 'SUPABASE_URL')!.reason, /@supa2aws\/runtime\/auth/);
  });

  it('the ranges it writes are the ones the packages declare', () => {
    const runtime = JSON.parse(readFileSync('packages/runtime/package.json', 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    const cli = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(AMPLIFY_RANGE, runtime.peerDependencies['aws-amplify']);
    assert.equal(runtimeRange(), cli.dependencies['@supa2aws/runtime']);
  });
});
