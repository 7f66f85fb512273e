import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import {
  DEFAULT_SEED_OPTIONS,
  FIXTURE_DIR,
  fixtureDataDigest,
  generateFixture,
  LARGE_OBJECT_SIZES,
  objectBytes,
  objectMd5,
  objectStream,
  passwordFor,
  readTestUsers,
  splitSqlStatements,
  type FixtureData,
  type ObjectSpec,
} from '../../src/fixture/index.ts';

const PROJECT_URL = 'https://abcdefghijklmnopqrst.supabase.co';

/** Every string anywhere in the rows (jsonb included). */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

/** `bucket/key` a Supabase Storage URL points at, or null when the string is no Storage URL. */
function storageTarget(text: string): string | null {
  const m = /\/storage\/v1\/(?:object\/(?:public|sign)|render\/image\/public)\/([^?]+)/.exec(text);
  return m ? decodeURI(m[1] as string) : null;
}

function rowsOf(data: FixtureData, table: string) {
  const t = data.tables.find((x) => x.table === table);
  assert.ok(t, `no rows for ${table}`);
  return t.rows;
}

describe('fixture seed generator', () => {
  const data = generateFixture({}, PROJECT_URL);

  it('gives the same data for the same seed, and different data for another seed', () => {
    const again = generateFixture({ seed: DEFAULT_SEED_OPTIONS.seed }, PROJECT_URL);
    assert.deepEqual(again, data);
    assert.equal(fixtureDataDigest(again), fixtureDataDigest(data));

    const other = generateFixture({ seed: 'another seed' }, PROJECT_URL);
    assert.notEqual(fixtureDataDigest(other), fixtureDataDigest(data));
    const ids = new Set(data.users.map((u) => u.id));
    assert.ok(
      other.users.every((u) => !ids.has(u.id)),
      'user ids depend on the seed',
    );
    assert.notDeepEqual(
      other.objects.map((o) => objectMd5(other.options.seed, o)),
      data.objects.map((o) => objectMd5(data.options.seed, o)),
    );
  });

  it('honours the size knobs', () => {
    assert.equal(data.users.length, DEFAULT_SEED_OPTIONS.users);
    assert.equal(rowsOf(data, 'public.projects').length, DEFAULT_SEED_OPTIONS.projects);
    assert.equal(data.objects.length, DEFAULT_SEED_OPTIONS.objects);
    const bigger = generateFixture({ users: 100, projects: 150, objects: 700, seed: 'knobs' }, PROJECT_URL);
    assert.equal(bigger.users.length, 100);
    assert.equal(rowsOf(bigger, 'public.projects').length, 150);
    assert.equal(bigger.objects.length, 700);
  });

  it('rejects bad options with every problem at once', () => {
    assert.throws(
      () => generateFixture({ users: 3, objects: -1, objectSize: 'huge' as 'small' }, PROJECT_URL),
      (error: { code?: string; details?: { problems?: string[] } }) =>
        error.code === 'FIXTURE_OPTIONS_INVALID' && error.details?.problems?.length === 3,
    );
  });

  it('has users of every kind, with bcrypt $2a$10$ hashes whose plaintexts are in test-users.json', () => {
    const kinds = new Set(data.users.map((u) => u.kind));
    for (const kind of [
      'password',
      'unconfirmed',
      'banned',
      'oauth',
      'phone',
      'anonymous',
      'deleted',
      'sso',
      'magic-link',
    ]) {
      assert.ok(kinds.has(kind as never), `a ${kind} user`);
    }
    const users = rowsOf(data, 'auth.users');
    const byId = new Map(users.map((u) => [u.id as string, u]));
    for (const u of data.users) {
      const row = byId.get(u.id) as Record<string, unknown>;
      if (u.passwordKey) assert.match(String(row.encrypted_password), /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
      if (u.kind === 'oauth' || u.kind === 'magic-link' || u.kind === 'sso')
        assert.equal(row.encrypted_password, '');
      if (u.phone) assert.match(u.phone, /^[1-9][0-9]{9,14}$/, 'phones are stored without +');
    }
    assert.ok(users.some((u) => u.is_anonymous === true && u.email === null));
    assert.ok(users.some((u) => u.banned_until !== null));
    assert.ok(users.some((u) => u.deleted_at !== null));
    assert.ok(users.some((u) => u.email_confirmed_at === null && u.email !== null));
    // Two emails equal but for case, one of them an SSO user.
    const frank = users.filter((u) => String(u.email).toLowerCase() === 'frank.case@example.com');
    assert.equal(frank.length, 2);
    assert.deepEqual(frank.map((u) => u.is_sso_user).sort(), [false, true]);
    const identities = rowsOf(data, 'auth.identities');
    const erin = data.users.find((u) => u.key === 'erin');
    assert.ok(identities.some((i) => i.user_id === erin?.id && i.provider === 'google'));

    const alice = data.users.find((u) => u.key === 'alice');
    assert.ok(alice?.passwordKey);
    const aliceRow = byId.get(alice.id) as Record<string, unknown>;
    assert.ok(bcrypt.compareSync(passwordFor(alice.passwordKey), String(aliceRow.encrypted_password)));
    assert.equal(readTestUsers().users.find((u) => u.key === 'alice')?.email, 'alice@example.com');
  });

  it('holds odd object keys: spaces, unicode, deep folders, zero bytes, a 1000-byte name', () => {
    const keys = data.objects.map((o) => o.key);
    assert.equal(
      new Set(data.objects.map((o) => `${o.bucket}/${o.key}`)).size,
      data.objects.length,
      'unique keys',
    );
    assert.ok(keys.some((k) => k.includes(' ')));
    assert.ok(keys.some((k) => k.includes('é') && k.includes('日本')));
    assert.ok(keys.some((k) => k.split('/').length >= 12));
    assert.ok(keys.some((k) => Buffer.byteLength(k) >= 1000 && Buffer.byteLength(k) <= 1024));
    assert.ok(keys.every((k) => k.split('/').every((segment) => Buffer.byteLength(segment) < 230)));
    assert.ok(data.objects.some((o) => o.size === 0));
    assert.deepEqual(
      new Set(data.objects.map((o) => o.bucket)),
      new Set(['videos', 'images', 'asset-images']),
    );
    assert.ok(
      data.objects.every((o) => o.size < 100 * 1024 * 1024),
      'small size has no large objects',
    );
  });

  it("adds two objects over 100 MiB at the 'large' size", () => {
    const large = generateFixture({ objectSize: 'large' }, PROJECT_URL);
    const big = large.objects.filter((o) => o.size > 100 * 1024 * 1024);
    assert.deepEqual(
      big.map((o) => o.size),
      [...LARGE_OBJECT_SIZES],
    );
    assert.ok(large.objects.some((o) => o.size === 0));
  });

  it('points every URL column at an object that exists, as public, signed and relative URLs and bare paths', () => {
    const objects = new Set(data.objects.map((o) => `${o.bucket}/${o.key}`));
    const seen = { public: 0, sign: 0, render: 0, relative: 0 };
    for (const t of data.tables) {
      for (const row of t.rows) {
        for (const s of strings(row)) {
          const target = storageTarget(s);
          if (target === null) continue;
          assert.ok(objects.has(target), `${t.table} points at a missing object: ${s}`);
          if (s.startsWith('/storage/')) seen.relative++;
          else if (s.includes('/object/public/')) seen.public++;
          else if (s.includes('/object/sign/')) seen.sign++;
          else seen.render++;
          if (s.includes('/object/sign/')) {
            const token = new URL(s).searchParams.get('token') ?? '';
            const [, payload] = token.split('.');
            assert.equal(token.split('.').length, 3, 'a JWT-looking token');
            assert.equal(JSON.parse(Buffer.from(payload as string, 'base64url').toString()).url, target);
          }
        }
      }
    }
    assert.ok(
      Object.values(seen).every((n) => n > 0),
      JSON.stringify(seen),
    );
    // Bare keys: storage_path columns hold object keys without a bucket.
    const keys = new Set(data.objects.map((o) => o.key));
    for (const table of ['public.assets', 'public.video_jobs', 'public.project_exports']) {
      for (const row of rowsOf(data, table)) {
        if (row.storage_path !== null) assert.ok(keys.has(String(row.storage_path)), `${table}.storage_path`);
      }
    }
    assert.ok(
      rowsOf(data, 'public.scenes').some((r) => typeof r.image_url === 'string' && keys.has(r.image_url)),
    );
    // URLs that are not Storage's stay as they are (OAuth avatars, receipts).
    assert.ok(
      rowsOf(data, 'auth.users').some((u) =>
        JSON.stringify(u.raw_user_meta_data).includes('googleusercontent'),
      ),
    );
  });

  it('gives every object deterministic bytes of its exact size, the same streamed or whole', async () => {
    const spec: ObjectSpec = { ...(data.objects[1] as ObjectSpec), size: 2.5 * 1024 * 1024 + 7 };
    const whole = objectBytes('s', spec);
    assert.equal(whole.length, spec.size);
    assert.deepEqual(objectBytes('s', spec), whole);
    const parts: Buffer[] = [];
    for await (const chunk of objectStream('s', spec)) parts.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(parts), whole);
    assert.notDeepEqual(objectBytes('t', spec).subarray(0, 64), whole.subarray(0, 64));
    const zero = data.objects.find((o) => o.size === 0) as ObjectSpec;
    assert.equal(objectBytes('s', zero).length, 0);
    assert.equal(objectMd5('s', zero), 'd41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('fixture files', () => {
  it('has 31 ordered app migrations and the platform bootstrap', () => {
    const migrations = readdirSync(path.join(FIXTURE_DIR, 'migrations'));
    assert.equal(migrations.length, 31);
    assert.ok(migrations.every((f) => /^\d{14}_[a-z0-9_]+\.sql$/.test(f)));
    assert.ok(readdirSync(path.join(FIXTURE_DIR, 'platform')).every((f) => /^\d\d_[a-z_]+\.sql$/.test(f)));
  });

  it('splits SQL into statements respecting quotes, dollar quotes and comments', () => {
    const sql = `-- a comment; with a semicolon
create table t (a text default 'x;y', "b;c" int);
create function f() returns int language plpgsql as $body$ begin return 1; end; $body$;
/* block ; comment */ select $$;$$, E'it\\'s;';
insert into t values ($1);`;
    const statements = splitSqlStatements(sql);
    assert.equal(statements.length, 4);
    assert.match(statements[1] as string, /^create function .*\$body\$;$/s);
    assert.equal(statements[3], 'insert into t values ($1);');
  });
});
