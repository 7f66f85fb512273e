/**
 * supa2aws scan on the fixture codebases: an Aiuteur-shaped app (React/Vite front end at the root, Express
 * backend under backend/) where every Supabase use is known by file and line, and the same app migrated,
 * which must come out clean.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryReporter } from '../../src/core/reporter.ts';
import {
  failingFindings,
  failOnExitCode,
  parseFailOn,
  scanCodebase,
  SCAN_PHASES,
  type Finding,
  type ScanReport,
} from '../../src/scan/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const AIUTEUR = path.join(here, '..', 'fixtures', 'codebases', 'aiuteur');
const MIGRATED = path.join(here, '..', 'fixtures', 'codebases', 'migrated');

const line = (f: Finding) => `${f.file}:${f.line} ${f.phase} ${f.kind} ${f.api}`;
const at = (report: ScanReport, fileLine: string) =>
  report.findings.filter((f) => `${f.file}:${f.line}` === fileLine);

describe('scan: the Aiuteur-shaped app', async () => {
  const reporter = new MemoryReporter();
  const report = await scanCodebase(AIUTEUR, { reporter });

  it('finds every Supabase use at its file and line, with its phase', () => {
    assert.deepEqual(report.findings.map(line), [
      '.env:1 config env VITE_SUPABASE_URL',
      '.env:1 config url https://abcdefghijklmnop.supabase.co',
      '.env:2 config env VITE_SUPABASE_ANON_KEY',
      'backend/.env.example:2 config env SUPABASE_URL',
      'backend/.env.example:2 config url https://abcdefghijklmnop.supabase.co',
      'backend/.env.example:3 config env SUPABASE_SERVICE_ROLE_KEY',
      'backend/.env.example:4 config env SUPABASE_ANON_KEY',
      'backend/.env.example:6 db url postgresql://postgres.abcdefghijklmnop@aws-0-us-east-1.pooler.supabase.com:5432/postgres',
      'backend/Dockerfile:6 config env SUPABASE_URL',
      'backend/Dockerfile:7 config env SUPABASE_URL',
      'backend/package.json:7 config dependency @supabase/supabase-js',
      "backend/src/config/supabase.ts:1 config import import '@supabase/supabase-js'",
      'backend/src/config/supabase.ts:6 config env process.env.SUPABASE_URL',
      'backend/src/config/supabase.ts:7 config env process.env.SUPABASE_SERVICE_ROLE_KEY',
      'backend/src/config/supabase.ts:13 config client createClient()',
      'backend/src/middleware/auth.ts:17 auth auth supabase.auth.getUser()',
      "backend/src/routes/projects.ts:10 db query supabase.from('projects').select().eq().order().limit()",
      "backend/src/routes/projects.ts:21 db query supabase.from('projects').select().eq().eq().single()",
      "backend/src/routes/projects.ts:33 db query supabase.from('projects').insert().select().single()",
      "backend/src/routes/projects.ts:43 db query supabase.from('projects').update().eq().eq()",
      "backend/src/routes/projects.ts:53 db query supabase.from('projects').delete().eq().eq()",
      "backend/src/routes/styleCapsules.ts:11 db query supabase.from('style_capsules').select().or().order()",
      "backend/src/routes/styleCapsules.ts:21 db query supabase.from('style_capsule_favorites').upsert()",
      "backend/src/routes/styleCapsules.ts:29 db query supabase.from('style_capsules').select().eq()",
      "backend/src/services/ImageGenerationService.ts:1 config import import '@supabase/supabase-js'",
      "backend/src/services/ImageGenerationService.ts:10 storage storage this.supabase.storage.from('images').upload()",
      "backend/src/services/ImageGenerationService.ts:12 storage storage this.supabase.storage.from('images').getPublicUrl()",
      "backend/src/services/ImageGenerationService.ts:13 db query this.supabase.from('scenes').update().eq()",
      "backend/src/services/ImageGenerationService.ts:18 storage storage defaultClient.storage.from('images').remove()",
      'backend/src/services/assetImageLocalizer.ts:3 config env process.env.SUPABASE_URL',
      "backend/src/services/assetImageLocalizer.ts:10 storage storage supabase.storage.from('asset-images').upload()",
      "backend/src/services/assetImageLocalizer.ts:15 storage storage supabase.storage.from('asset-images').getPublicUrl()",
      'backend/src/services/assetImageLocalizer.ts:20 storage url /storage/v1/object/public/asset-images/',
      "backend/src/services/assetInheritanceService.ts:9 db query supabase.from('project_assets').select().eq()",
      "backend/src/services/assetInheritanceService.ts:17 db query supabase.from('project_assets').insert()",
      "backend/src/services/assetInheritanceService.ts:23 db query supabase.from('asset_inheritance').select().in()",
      "backend/src/services/userCreditsService.ts:5 db query supabase.from('user_credits').select().eq().maybeSingle()",
      "backend/src/services/userCreditsService.ts:15 db rpc supabase.rpc('deduct_credits')",
      "backend/src/services/userCreditsService.ts:25 db query supabase.from('credit_transactions').select().eq().in().order().range()",
      "backend/src/services/video-generation/Veo3Provider.ts:8 storage storage supabase.storage.from('videos').upload()",
      "backend/src/services/video-generation/Veo3Provider.ts:10 storage storage supabase.storage.from('videos').createSignedUrl()",
      "backend/src/services/video-generation/Veo3Provider.ts:12 db query supabase.from('video_jobs').update().eq()",
      'backend/task-definition.json:13 config env SUPABASE_URL',
      'backend/task-definition.json:13 config url https://abcdefghijklmnop.supabase.co',
      'backend/task-definition.json:18 config env SUPABASE_SERVICE_ROLE_KEY',
      'package.json:7 config dependency @supabase/supabase-js',
      'src/lib/services/jobStatusService.ts:5 realtime realtime supabase.channel().on().subscribe()',
      'src/lib/services/jobStatusService.ts:11 realtime realtime supabase.removeChannel()',
      "src/lib/services/jobStatusService.ts:15 functions functions supabase.functions.invoke('estimate-cost')",
      'src/lib/services/projectService.ts:8 auth auth supabase.auth.getSession()',
      'src/lib/services/styleCapsuleService.ts:4 auth auth supabase.auth.getSession()',
      "src/lib/services/styleCapsuleService.ts:9 db query supabase.from('style_capsules').select().eq().order()",
      "src/lib/services/styleCapsuleService.ts:19 storage storage supabase.storage.from('images').getPublicUrl()",
      "src/lib/stores/auth-store.ts:2 config import import '@supabase/supabase-js'",
      'src/lib/stores/auth-store.ts:21 auth auth supabase.auth.signUp()',
      'src/lib/stores/auth-store.ts:31 auth auth supabase.auth.signInWithPassword()',
      'src/lib/stores/auth-store.ts:37 auth auth supabase.auth.signOut()',
      'src/lib/stores/auth-store.ts:44 auth auth supabase.auth.getSession()',
      'src/lib/stores/auth-store.ts:46 auth auth supabase.auth.onAuthStateChange()',
      "src/lib/supabase.ts:1 config import import '@supabase/supabase-js'",
      'src/lib/supabase.ts:3 config env import.meta.env.VITE_SUPABASE_URL',
      'src/lib/supabase.ts:4 config env import.meta.env.VITE_SUPABASE_ANON_KEY',
      'src/lib/supabase.ts:10 config client createClient()',
    ]);
  });

  it('counts by phase and files', () => {
    assert.deepEqual(report.byPhase, { storage: 9, db: 18, auth: 8, realtime: 2, functions: 1, config: 25 });
    assert.equal(report.codeFiles, 14);
    assert.equal(report.configFiles, 6);
    assert.equal(report.filesScanned, 20);
    assert.deepEqual(report.skipped, []);
    assert.equal(reporter.events.filter((e) => e.type === 'progress').length, 20);
  });

  it('prints the SQL for the projects list query, as the guide plan asks', () => {
    const [f] = at(report, 'backend/src/routes/projects.ts:10');
    assert.equal(
      f?.sql?.text,
      'SELECT id, title FROM projects WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10',
    );
    assert.deepEqual(f?.sql?.params, ['userId']);
    assert.equal(f?.side, 'server');
    assert.match(f?.replacement ?? '', /supa2aws\/runtime\/db: .*pool\.query/);
  });

  it('tells browser code from server code and picks the replacement accordingly', () => {
    const [middleware] = at(report, 'backend/src/middleware/auth.ts:17');
    assert.equal(middleware?.side, 'server');
    assert.match(middleware?.replacement ?? '', /supa2aws\/runtime\/auth/);
    const [signIn] = at(report, 'src/lib/stores/auth-store.ts:31');
    assert.equal(signIn?.side, 'browser');
    assert.match(
      signIn?.replacement ?? '',
      /supa2aws\/runtime\/browser-auth: createBrowserAuth\(\.\.\.\)\.signInWithPassword\(\)/,
    );
    const [browserQuery] = at(report, 'src/lib/services/styleCapsuleService.ts:9');
    assert.match(browserQuery?.replacement ?? '', /move to an API route/);
    const [upload] = at(report, 'backend/src/services/assetImageLocalizer.ts:10');
    assert.match(upload?.replacement ?? '', /supa2aws\/runtime\/storage: PutObject/);
  });

  it('follows clients through imports, class fields and bucket variables', () => {
    const [veo] = at(report, 'backend/src/services/video-generation/Veo3Provider.ts:10');
    assert.equal(veo?.api, "supabase.storage.from('videos').createSignedUrl()");
    assert.match(veo?.snippet ?? '', /this\.videos\.createSignedUrl/);
    const [aliased] = at(report, 'backend/src/services/ImageGenerationService.ts:18');
    assert.equal(aliased?.api, "defaultClient.storage.from('images').remove()");
  });

  it('says why a chain has no SQL', () => {
    assert.match(
      at(report, 'backend/src/routes/styleCapsules.ts:11')[0]?.sqlSkipped ?? '',
      /embeds a related table/,
    );
    assert.match(
      at(report, 'backend/src/services/assetInheritanceService.ts:9')[0]?.sqlSkipped ?? '',
      /across statements/,
    );
    assert.equal(
      at(report, 'backend/src/services/assetInheritanceService.ts:17')[0]?.sql?.row?.expression,
      'rows',
      'a row list built at run time is inserted with the keys it has then',
    );
  });

  it('can leave folders out', async () => {
    const frontOnly = await scanCodebase(AIUTEUR, { exclude: ['backend'] });
    assert.ok(frontOnly.findings.length > 0);
    assert.ok(frontOnly.findings.every((f) => !f.file.startsWith('backend/')));
  });
});

describe('scan: the migrated app', async () => {
  const report = await scanCodebase(MIGRATED);

  it('has zero findings (Array.from, storage.from on a plain object, comments and Cognito env are not Supabase)', () => {
    assert.deepEqual(report.findings.map(line), []);
    assert.ok(report.filesScanned >= 8);
    for (const phase of SCAN_PHASES) assert.equal(report.byPhase[phase], 0);
  });

  it('passes --fail-on any', () => {
    assert.equal(failOnExitCode(report, 'any'), 0);
  });
});

describe('--fail-on', async () => {
  const report = await scanCodebase(AIUTEUR);

  it('exits 1 only when findings of that phase exist', () => {
    assert.equal(failOnExitCode(report, parseFailOn('realtime')), 1);
    assert.equal(failingFindings(report, 'realtime').length, 2);
    assert.equal(failOnExitCode(report, parseFailOn('any')), 1);
    assert.equal(failOnExitCode(report, undefined), 0);
    const noFunctions = { ...report, findings: report.findings.filter((f) => f.phase !== 'functions') };
    assert.equal(failOnExitCode(noFunctions, 'functions'), 0);
  });

  it('rejects an unknown phase, and a missing directory, with codes', async () => {
    assert.throws(
      () => parseFailOn('billing'),
      (e: { code?: string; exitCode?: number }) => e.code === 'SCAN_UNKNOWN_PHASE' && e.exitCode === 2,
    );
    await assert.rejects(
      scanCodebase(path.join(AIUTEUR, 'no-such-dir')),
      (e: { code?: string; exitCode?: number }) => e.code === 'SCAN_DIR_MISSING' && e.exitCode === 2,
    );
  });
});
