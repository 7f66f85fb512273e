// GIVEN a storage or auth plan saved with `--out` (src/core/plan-file.ts, src/storage/plan-file.ts,
//   src/auth/plan-file.ts)
// WHEN it is read back for `storage copy --plan` / `auth import --plan`
// THEN it round-trips; a file of another kind or version, an edited file, or a config that no longer matches
//   is refused with its code and exit 2 naming what differs; and no secret of the config is in the file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  plannedImports,
  PlannedUsers,
  readAuthPlanFile,
  writeAuthPlanFile,
  type AuthPlan,
} from '../../src/auth/index.ts';
import { parseConfig, type Config } from '../../src/config/index.ts';
import { assertPlanOutsideReports, assertPlanWritable, fingerprintOf } from '../../src/core/plan-file.ts';
import type { ListedObject, ObjectRow } from '../../src/storage/inventory.ts';
import { diffBucket, type StoragePlan } from '../../src/storage/plan.ts';
import { plannedObjects, readStoragePlanFile, writeStoragePlanFile } from '../../src/storage/plan-file.ts';

const SECRETS = {
  dbPassword: 'db-pw-3f9c1d',
  targetDbPassword: 'target-pw-77ab01',
  s3Secret: 'S3SECRET-9d8e7f6a5b4c',
  targetS3Secret: 'TARGETS3-1a2b3c4d5e6f',
  jwtSecret: 'jwt-secret-0011223344556677',
  migrateRolePassword: 'migrate-role-pw-aabbccdd',
};

function makeConfig(
  overrides: { buckets?: Record<string, string>; userPoolId?: string; s3Endpoint?: string } = {},
): Config {
  const { config, errors } = parseConfig(
    {
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: `postgresql://postgres:${SECRETS.dbPassword}@127.0.0.1:1/postgres` },
        storage: {
          endpoint: 'http://127.0.0.1:1',
          accessKeyId: 'SOURCEKEY',
          secretAccessKey: SECRETS.s3Secret,
        },
        jwtSecret: SECRETS.jwtSecret,
      },
      target: {
        region: 'eu-central-1',
        db: { url: `postgresql://postgres:${SECRETS.targetDbPassword}@127.0.0.1:1/aiuteur` },
        s3: {
          accessKeyId: 'TARGETKEY',
          secretAccessKey: SECRETS.targetS3Secret,
          ...(overrides.s3Endpoint ? { endpoint: overrides.s3Endpoint } : {}),
        },
        cognito: { userPoolId: overrides.userPoolId ?? 'eu-central-1_abc', clientId: 'client' },
      },
      storage: {
        buckets: Object.fromEntries(
          Object.entries(overrides.buckets ?? { images: 'app-images' }).map(([s, t]) => [s, { target: t }]),
        ),
      },
      auth: { migrateRolePassword: SECRETS.migrateRolePassword },
    },
    {},
  );
  assert.ok(config, JSON.stringify(errors));
  return config;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-plan-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

const row = (key: string, size: number): ObjectRow => ({
  key,
  size,
  mimetype: 'image/png',
  cacheControl: undefined,
  eTag: undefined,
  userMetadata: null,
});
const listed = (size: number, etag = '"e1"'): ListedObject => ({ size, etag, lastModified: undefined });

/** A one-bucket plan: a.png and b.png to copy, orphan.png skipped, ghost.png with no bytes. */
function storagePlan(): StoragePlan {
  const { plan, items } = diffBucket({
    source: 'images',
    mapping: { target: 'app-images', access: 'private' },
    rows: new Map([
      ['a.png', row('a.png', 10)],
      ['b.png', row('b.png', 20)],
      ['ghost.png', row('ghost.png', 5)],
    ]),
    sourceObjects: new Map([
      ['a.png', listed(10)],
      ['b.png', listed(20)],
      ['orphan.png', listed(30)],
    ]),
    targetObjects: undefined,
    heads: new Map(),
    includeOrphans: false,
  });
  const tally = { count: 0, bytes: 0 };
  return {
    version: 1,
    createdAt: '2026-12-01T10:00:00.000Z',
    source: { endpoint: 'http://127.0.0.1:1' },
    target: { endpoint: undefined },
    includeOrphans: false,
    buckets: [plan],
    unmappedBuckets: [{ id: 'logs', objects: 4 }],
    totals: {
      rows: plan.rows,
      sourceObjects: plan.sourceObjects,
      identical: plan.identical,
      toCopy: plan.toCopy,
      orphans: plan.orphans,
      ghosts: tally,
    },
    items,
  };
}

const authPlan: AuthPlan = {
  version: 1,
  generatedAt: '2026-12-01T10:00:00.000Z',
  userIdAttribute: 'custom:supabase_id',
  users: { total: 3, phoneOnly: 0, withPassword: 2, bcryptCostOutOfRange: 0 },
  kinds: [
    { kind: 'bcrypt', count: 2, outcome: 'lazy', what: 'bcrypt password', sampleIds: [] },
    { kind: 'banned', count: 1, outcome: 'skip', what: 'banned', sampleIds: [] },
  ],
  byOutcome: { lazy: 2, skip: 1 },
  caseDuplicates: [],
  pool: { emulator: false, checks: [] },
};
const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';
const BANNED = '33333333-3333-4333-8333-333333333333';

function writeAuthPlan(name: string, config = makeConfig()): string {
  const users = new PlannedUsers();
  users.add({ id: ALICE, kind: 'bcrypt', outcome: 'lazy' });
  users.add({ id: BANNED, kind: 'banned', outcome: 'skip' });
  users.add({ id: BOB, kind: 'bcrypt', outcome: 'lazy' });
  writeAuthPlanFile(file(name), config, users.saved(authPlan), new Date(authPlan.generatedAt));
  return file(name);
}

/** Runs `fn`, expecting a Supa2awsError; returns its code, exit code and message. */
function refusal(fn: () => unknown): { code: string; exit: number; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as { code: string; exitCode: number; message: string; hint?: string };
    assert.ok(e.hint, `${e.code} has a hint`);
    return { code: e.code, exit: e.exitCode, message: e.message };
  }
  assert.fail('expected a refusal');
}

describe('storage plan file', () => {
  it('GIVEN a plan saved with --out WHEN read back with the same config THEN it names each object to copy, the tallies and what is skipped', () => {
    const config = makeConfig();
    const plan = storagePlan();
    const written = writeStoragePlanFile(file('storage.json'), config, plan, { deep: true });
    assert.equal(statSync(file('storage.json')).mode & 0o777, 0o600);
    const read = readStoragePlanFile(file('storage.json'), config);
    assert.deepEqual(read, JSON.parse(JSON.stringify(written)));
    assert.equal(read.kind, 'supa2aws/storage-plan');
    assert.equal(read.version, 1);
    assert.equal(read.createdAt, plan.createdAt);
    assert.equal(read.plan.deep, true, 'a --deep plan is applied with --deep');
    const bucket = read.plan.buckets[0]!;
    assert.deepEqual(
      [bucket.source, bucket.target, bucket.toCopy, bucket.sourceObjects.count],
      ['images', 'app-images', { count: 2, bytes: 30 }, 3],
    );
    assert.deepEqual(bucket.skipped, { orphans: { count: 1, bytes: 30 }, ghosts: { count: 1, bytes: 5 } });
    assert.deepEqual(read.plan.unmappedBuckets, [{ id: 'logs', objects: 4 }]);
    assert.deepEqual([...(plannedObjects(read.plan).get('images')?.keys() ?? [])], ['a.png', 'b.png']);
  });

  it('GIVEN a config with passwords and keys WHEN its plan is written THEN none of them is in the file', () => {
    writeStoragePlanFile(file('storage-secrets.json'), makeConfig(), storagePlan(), { deep: false });
    const text = readFileSync(file('storage-secrets.json'), 'utf8');
    for (const secret of [...Object.values(SECRETS), 'SOURCEKEY', 'TARGETKEY'])
      assert.ok(!text.includes(secret), `${secret} is in the plan file`);
  });

  it('GIVEN the bucket mapping changed since the plan WHEN it is applied THEN PLAN_CONFIG_CHANGED (exit 2) names the mapping; so does another target endpoint', () => {
    writeStoragePlanFile(file('storage-mapping.json'), makeConfig(), storagePlan(), { deep: false });
    const moved = refusal(() =>
      readStoragePlanFile(file('storage-mapping.json'), makeConfig({ buckets: { images: 'other-images' } })),
    );
    assert.deepEqual([moved.code, moved.exit], ['PLAN_CONFIG_CHANGED', 2]);
    assert.match(moved.message, /buckets\.images \(planned "app-images", now "other-images"\)/);
    const elsewhere = refusal(() =>
      readStoragePlanFile(file('storage-mapping.json'), makeConfig({ s3Endpoint: 'http://127.0.0.1:9000' })),
    );
    assert.deepEqual([elsewhere.code, elsewhere.exit], ['PLAN_CONFIG_CHANGED', 2]);
    assert.match(elsewhere.message, /target\.endpoint \(planned "aws", now "http:\/\/127\.0\.0\.1:9000"\)/);
  });

  it('GIVEN an auth plan, another version, an edited or broken file WHEN read as a storage plan THEN each is refused with its code and exit 2', () => {
    const config = makeConfig();
    const auth = refusal(() => readStoragePlanFile(writeAuthPlan('auth-as-storage.json'), config));
    assert.deepEqual([auth.code, auth.exit], ['PLAN_KIND_MISMATCH', 2]);

    writeStoragePlanFile(file('storage-v.json'), config, storagePlan(), { deep: false });
    const envelope = JSON.parse(readFileSync(file('storage-v.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file('storage-v2.json'), JSON.stringify({ ...envelope, version: 2 }));
    const version = refusal(() => readStoragePlanFile(file('storage-v2.json'), config));
    assert.deepEqual([version.code, version.exit], ['PLAN_VERSION_UNSUPPORTED', 2]);

    const inputs = { ...(envelope.inputs as Record<string, unknown>), includeOrphans: true };
    writeFileSync(file('storage-edited.json'), JSON.stringify({ ...envelope, inputs }));
    const edited = refusal(() => readStoragePlanFile(file('storage-edited.json'), config));
    assert.deepEqual([edited.code, edited.exit], ['PLAN_FILE_INVALID', 2]);
    assert.match(edited.message, /fingerprint does not match/);

    const plan = envelope.plan as { buckets: Array<{ objects: unknown[] }> };
    plan.buckets[0]!.objects.push({ key: 'a.png', size: 10 });
    writeFileSync(file('storage-twice.json'), JSON.stringify(envelope));
    const twice = refusal(() => readStoragePlanFile(file('storage-twice.json'), config));
    assert.deepEqual([twice.code, twice.exit], ['PLAN_FILE_INVALID', 2]);
    assert.match(twice.message, /listed twice/);

    writeFileSync(file('not-json.json'), '{"kind": ');
    assert.deepEqual(
      refusal(() => readStoragePlanFile(file('not-json.json'), config)).code,
      'PLAN_FILE_INVALID',
    );
    assert.deepEqual(
      refusal(() => readStoragePlanFile(file('missing.json'), config)).code,
      'PLAN_FILE_UNREADABLE',
    );
  });
});

describe('storage plan applied: the diff against a saved plan', () => {
  it('GIVEN a plan of a.png and b.png WHEN c.png was added, b.png removed and a.png changed since THEN only a.png is copied and the rest is reported', () => {
    const { plan, items } = diffBucket({
      source: 'images',
      mapping: { target: 'app-images', access: 'private' },
      rows: new Map([
        ['a.png', row('a.png', 11)],
        ['c.png', row('c.png', 40)],
      ]),
      sourceObjects: new Map([
        ['a.png', listed(11, '"e2"')],
        ['c.png', listed(40)],
      ]),
      targetObjects: undefined,
      heads: new Map(),
      includeOrphans: false,
      planned: new Map([
        ['a.png', { size: 10, etag: '"e1"' }],
        ['b.png', { size: 20, etag: '"e1"' }],
      ]),
    });
    assert.deepEqual(
      items.map((i) => i.key),
      ['a.png'],
    );
    assert.deepEqual(plan.toCopy.count, 1);
    assert.deepEqual(plan.sincePlan, {
      notInPlan: { count: 1, bytes: 40, sample: ['c.png'] },
      gone: { count: 1, sample: ['b.png'] },
      changed: { count: 1, sample: ['a.png'] },
    });
  });

  it('GIVEN a planned object removed since WHEN each of two shards applies the plan THEN only the shard that owns its key reports it gone', () => {
    const gone = [1, 2].map(
      (index) =>
        diffBucket({
          source: 'images',
          mapping: { target: 'app-images', access: 'private' },
          rows: new Map(),
          sourceObjects: new Map(),
          targetObjects: undefined,
          heads: new Map(),
          includeOrphans: false,
          shard: { index, count: 2 },
          planned: new Map([['b.png', { size: 20, etag: '"e1"' }]]),
        }).plan.sincePlan?.gone.count,
    );
    assert.deepEqual(gone.sort(), [0, 1]);
  });

  it('GIVEN no saved plan WHEN diffed THEN there is no sincePlan and every object to copy is copied', () => {
    const { plan, items } = diffBucket({
      source: 'images',
      mapping: { target: 'app-images', access: 'private' },
      rows: new Map([['c.png', row('c.png', 40)]]),
      sourceObjects: new Map([['c.png', listed(40)]]),
      targetObjects: undefined,
      heads: new Map(),
      includeOrphans: false,
    });
    assert.equal(plan.sincePlan, undefined);
    assert.equal(items.length, 1);
  });
});

describe('auth plan file', () => {
  it('GIVEN users read by auth plan WHEN saved and read back THEN each kind keeps its verdict and ids, and the import takes only the unskipped', () => {
    const config = makeConfig();
    const read = readAuthPlanFile(writeAuthPlan('auth.json'), config);
    assert.equal(read.kind, 'supa2aws/auth-plan');
    assert.deepEqual(read.plan.kinds, [
      { kind: 'bcrypt', outcome: 'lazy', what: 'bcrypt password', ids: [ALICE, BOB] },
      { kind: 'banned', outcome: 'skip', what: 'banned', ids: [BANNED] },
    ]);
    assert.deepEqual([...plannedImports(read.plan)], [ALICE, BOB]);
    assert.equal(statSync(file('auth.json')).mode & 0o777, 0o600);
  });

  it('GIVEN a config with passwords and keys WHEN the auth plan is written THEN none of them is in the file', () => {
    const text = readFileSync(writeAuthPlan('auth-secrets.json'), 'utf8');
    for (const secret of Object.values(SECRETS))
      assert.ok(!text.includes(secret), `${secret} is in the file`);
    assert.doesNotMatch(text, /\$2[aby]\$|@/, 'no hash or email');
  });

  it('GIVEN another pool in the config WHEN the plan is applied THEN PLAN_CONFIG_CHANGED (exit 2) names the pool', () => {
    const path = writeAuthPlan('auth-pool.json');
    const moved = refusal(() => readAuthPlanFile(path, makeConfig({ userPoolId: 'eu-central-1_other' })));
    assert.deepEqual([moved.code, moved.exit], ['PLAN_CONFIG_CHANGED', 2]);
    assert.match(moved.message, /userPool \(planned "eu-central-1_abc", now "eu-central-1_other"\)/);
  });

  it('GIVEN a storage plan WHEN read as an auth plan THEN PLAN_KIND_MISMATCH (exit 2)', () => {
    writeStoragePlanFile(file('storage-as-auth.json'), makeConfig(), storagePlan(), { deep: false });
    const wrong = refusal(() => readAuthPlanFile(file('storage-as-auth.json'), makeConfig()));
    assert.deepEqual([wrong.code, wrong.exit], ['PLAN_KIND_MISMATCH', 2]);
  });

  it('GIVEN the same inputs in another key order WHEN fingerprinted THEN the fingerprint is the same', () => {
    assert.equal(fingerprintOf({ a: 1, b: { c: 2, d: 3 } }), fingerprintOf({ b: { d: 3, c: 2 }, a: 1 }));
    assert.notEqual(fingerprintOf({ a: 1 }), fingerprintOf({ a: 2 }));
  });

  it("GIVEN --out named like a phase report in the report folder WHEN checked THEN PLAN_FILE_IS_A_REPORT (exit 2), since the run's own report would replace it; other names are fine", () => {
    const report = refusal(() =>
      assertPlanOutsideReports('supa2aws-report/auth-plan.json', 'supa2aws-report'),
    );
    assert.deepEqual([report.code, report.exit], ['PLAN_FILE_IS_A_REPORT', 2]);
    assert.match(report.message, /is where the phase reports go/);
    assert.throws(
      () => assertPlanOutsideReports('./out/storage-plan.md', 'out'),
      /PLAN_FILE_IS_A_REPORT|phase reports/,
    );
    for (const fine of ['plans/auth-plan.json', 'supa2aws-report/saved-auth-plan.json', 'auth-plan.json'])
      assert.doesNotThrow(() => assertPlanOutsideReports(fine, 'supa2aws-report'), fine);
  });

  it('GIVEN --out that is a folder, or a plan file written before with a wider mode WHEN written THEN PLAN_FILE_UNWRITABLE (exit 2) before any planning, and the old file ends 0600', () => {
    const folder = file('a-folder');
    mkdirSync(folder);
    const refused = refusal(() => assertPlanWritable(folder));
    assert.deepEqual([refused.code, refused.exit], ['PLAN_FILE_UNWRITABLE', 2]);
    assert.match(refused.message, /EISDIR/);
    const old = file('old-plan.json');
    writeFileSync(old, '{}', { mode: 0o644 });
    assert.doesNotThrow(() => assertPlanWritable(old));
    writeStoragePlanFile(old, makeConfig(), storagePlan(), { deep: false });
    assert.equal(statSync(old).mode & 0o777, 0o600);
  });
});
