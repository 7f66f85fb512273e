/**
 * URL columns of the Aiuteur fixture (text and jsonb, public, signed, render, host-relative URLs and bare
 * keys): discover → rewrite → restore gives byte-identical columns; rows the live app writes during the
 * rewrite are rewritten too; restore leaves alone what the app changed since.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../src/config/index.ts';
import {
  discoverUrlsFromConfig,
  projectHosts,
  parseStorageUrl,
  restoreUrlsFromConfig,
  rewriteUrlsFromConfig,
} from '../../src/storage/index.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { withAdmin } from './storage-helpers.ts';

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

type Snapshot = Map<string, string | null>;

/** Every configured column as `<table.column> <primary key>` → the value's exact text. */
async function snapshot(db: TestDatabase, config: Config): Promise<Snapshot> {
  return withAdmin(db, async (client) => {
    const out: Snapshot = new Map();
    for (const c of config.storage.urlColumns) {
      const table = `${pg.escapeIdentifier(c.schema)}.${pg.escapeIdentifier(c.table)}`;
      const { rows: key } = await client.query<{ name: string }>(
        `select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = $1::regclass and i.indisprimary`,
        [table],
      );
      const pk = key.map((k) => `t.${pg.escapeIdentifier(k.name)}`).join(', ');
      const { rows } = await client.query<{ k: string; v: string | null }>(
        `select json_build_array(${pk})::text as k, t.${pg.escapeIdentifier(c.column)}::text as v from ${table} t`,
      );
      for (const r of rows) out.set(`${c.table}.${c.column} ${r.k}`, r.v);
    }
    return out;
  });
}

async function urlConfig(db: TestDatabase): Promise<Config> {
  const config = sb.config({ sourceDb: db, bucketPrefix: 'urls' });
  const found = await discoverUrlsFromConfig(config);
  config.storage.urlColumns = found.config.storage.urlColumns.map((c) => ({
    ...c,
    schema: c.schema ?? 'public',
    kind: c.kind ?? 'text',
  }));
  return config;
}

describe('storage rewrite-urls / restore-urls on the fixture', () => {
  it('discovers the URL columns, rewrites every reference, converges, and restores byte-identical values', async () => {
    const db = await sb.freshSourceDb();
    const config = await urlConfig(db);
    const columns = config.storage.urlColumns.map((c) => `${c.table}.${c.column}`);
    for (const expected of [
      'scenes.video_url',
      'scenes.metadata',
      'scenes.thumbnail_url',
      'style_capsules.reference_images',
      'assets.public_url',
    ]) {
      assert.ok(columns.includes(expected), `discovered ${expected} (found ${columns.join(', ')})`);
    }
    assert.equal(
      config.storage.urlColumns.find((c) => c.column === 'image_url' && c.table === 'scenes')?.bucket,
      'images',
      'bare keys recognised',
    );

    const before = await snapshot(db, config);
    const dry = await rewriteUrlsFromConfig(config, { dryRun: true });
    const wouldChange = dry.columns.reduce((n, c) => n + c.changed, 0);
    assert.ok(wouldChange > 50);
    assert.deepEqual(await snapshot(db, config), before, 'a dry run writes nothing');

    const rewritten = await rewriteUrlsFromConfig(config, { batchSize: 7 });
    assert.equal(rewritten.remaining, 0);
    assert.equal(
      rewritten.columns.reduce((n, c) => n + c.changed, 0),
      wouldChange,
    );
    const during = await snapshot(db, config);
    const hosts = projectHosts(config.source.projectUrl);
    for (const [where, value] of during) {
      if (value === null) continue;
      assert.ok(!value.includes('token='), `${where} keeps no signed-URL token`);
      assert.ok(!value.includes('/storage/v1/'), `${where} holds no Supabase storage URL: ${value}`);
      assert.equal(parseStorageUrl(value, hosts), undefined);
    }
    const sample = [...during.entries()].find(([k, v]) => k.startsWith('scenes.video_url') && v)?.[1];
    assert.match(sample ?? '', /^urls-aiuteur-videos\/[^?]+\.mp4$/, 'signed URLs become bare target paths');

    const again = await rewriteUrlsFromConfig(config);
    assert.equal(
      again.columns.reduce((n, c) => n + c.changed, 0),
      0,
      'a second run changes nothing',
    );

    const restored = await restoreUrlsFromConfig(config);
    assert.equal(
      restored.columns.reduce((n, c) => n + c.changed, 0),
      wouldChange,
    );
    assert.equal(restored.remaining, 0);
    assert.deepEqual(await snapshot(db, config), before, 'byte-identical after restore');
  });

  it('rewrites rows the live app writes during the run; restore keeps what the app changed since', async () => {
    const db = await sb.freshSourceDb();
    const config = await urlConfig(db);
    config.storage.urlColumns = config.storage.urlColumns.filter(
      (c) => c.table === 'scenes' && c.column === 'image_url',
    );
    const project = config.source.projectUrl;
    const appUrl = (key: string) => `${project}/storage/v1/object/public/images/${key}`;
    const inserted = '00000000-0000-4000-8000-000000000001';
    let firstSceneId = '';
    let batches = 0;
    await withAdmin(db, async (client) => {
      firstSceneId =
        (await client.query<{ id: string }>(`select id::text from public.scenes order by id limit 1`)).rows[0]
          ?.id ?? '';
    });
    const result = await rewriteUrlsFromConfig(
      config,
      { batchSize: 4 },
      {
        afterBatch: async ({ pass, batch }) => {
          batches++;
          if (pass !== 1 || batch !== 2) return;
          // The app, still on Supabase: writes a new Supabase URL into a row the cursor has passed,
          // and inserts a scene whose key sorts before the cursor.
          await withAdmin(db, async (client) => {
            await client.query(`update public.scenes set image_url = $1 where id = $2`, [
              appUrl('written/during.png'),
              firstSceneId,
            ]);
            await client.query(
              `insert into public.scenes (id, project_id, user_id, position, image_url)
               select $1, project_id, user_id, 100000, $2 from public.scenes where id = $3`,
              [inserted, appUrl('inserted/during.png'), firstSceneId],
            );
          });
        },
      },
    );
    assert.ok(batches > 3);
    assert.ok(result.columns[0]!.passes >= 2, 'a catch-up pass ran');
    const values = await withAdmin(
      db,
      async (client) =>
        (
          await client.query<{ id: string; image_url: string | null }>(
            `select id::text, image_url from public.scenes where id in ($1, $2)`,
            [firstSceneId, inserted],
          )
        ).rows,
    );
    for (const v of values)
      assert.ok(v.image_url?.includes('/urls-aiuteur-images/'), `${v.id} rewritten: ${v.image_url}`);

    // After the rewrite the app changes one row again: restore must leave it alone.
    const other = await withAdmin(db, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `select id::text from public.scenes where image_url like '%urls-aiuteur-images%' and id not in ($1, $2) limit 1`,
        [firstSceneId, inserted],
      );
      await client.query(
        `update public.scenes set image_url = 'https://cdn.example.com/new.png' where id = $1`,
        [rows[0]?.id],
      );
      return rows[0]?.id;
    });
    const restored = await restoreUrlsFromConfig(config);
    assert.equal(restored.columns[0]?.skipped, 1, 'the row the app changed since is left alone');
    await withAdmin(db, async (client) => {
      const get = async (id: string) =>
        (await client.query<{ v: string }>(`select image_url as v from public.scenes where id = $1`, [id]))
          .rows[0]?.v;
      assert.equal(
        await get(firstSceneId),
        appUrl('written/during.png'),
        'restored to what the app last wrote',
      );
      assert.equal(await get(inserted), appUrl('inserted/during.png'));
      assert.equal(await get(other as string), 'https://cdn.example.com/new.png');
      const { rows } = await client.query<{ status: string; n: number }>(
        `select restore_status as status, count(*)::int as n from supa2aws.url_ledger group by 1 order by 1`,
      );
      assert.deepEqual(rows.find((r) => r.status === 'changed-since')?.n, 1);
    });
  });
});
