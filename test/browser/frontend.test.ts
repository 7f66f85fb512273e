/**
 * The migrated front end in a real browser (Debian Chromium) against the sandbox after the demo's migration:
 * a Supabase user who has not signed in since the migration signs in with their OLD Supabase password (the
 * Cognito migrate-user trigger moves them), reloads and is still signed in, sees their projects from the
 * reference API on the AWS side and a project image served by S3, and signs out.
 */
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  signInReloadSignOut,
  startMigratedDemo,
  viteBuild,
  type MigratedDemo,
} from '../helpers/migrated-frontend.ts';
import { serveStatic, type StaticServer } from '../helpers/static-server.ts';

const frontendDir = path.resolve(import.meta.dirname, '../../examples/frontend');

describe('the migrated front end in Chromium', () => {
  let demo: MigratedDemo | undefined;
  let site: StaticServer | undefined;

  before(async () => {
    demo = await startMigratedDemo('supa2aws-browser-');
    viteBuild(path.join(frontendDir, 'vite.config.ts'));
    site = await serveStatic(path.join(frontendDir, 'dist'), {
      'config.json': {
        apiBaseUrl: demo.apiUrl,
        userPoolId: demo.cognito.userPoolId,
        userPoolClientId: demo.cognito.clientId,
        userPoolEndpoint: demo.cognito.endpoint,
      },
    });
  });

  after(async () => {
    await site?.close();
    await demo?.close();
  });

  it('signs in with the old Supabase password, survives a reload, shows a project and its S3 image, signs out', () =>
    signInReloadSignOut(site!.url, demo!));
});
