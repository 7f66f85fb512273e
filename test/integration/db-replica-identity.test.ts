/**
 * REPLICA IDENTITY goes with the schema: FULL, USING INDEX and NOTHING on the source are on the target after
 * `db schema` (from the live source and from the migration files) and after `db copy`, which drops and
 * re-creates keys and indexes around the load. Without it the way back (RDS publishing to Supabase) has a
 * key-less table it cannot publish, and db verify would pass on two schemas that replicate differently.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { applySchema, buildSchema, copyData, verifyDb } from '../../src/db/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { query } from '../helpers/pg-query.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const IDENTITIES = `
alter table public.audit_events replica identity full;
create table public.rid_by_code (code text not null, label text);
create unique index rid_by_code_code on public.rid_by_code (code);
alter table public.rid_by_code replica identity using index rid_by_code_code;
insert into public.rid_by_code select 'c' || g, 'label ' || g from generate_series(1, 50) g;
create table public.rid_by_key (k text not null constraint rid_by_key_k unique, v text);
alter table public.rid_by_key replica identity using index rid_by_key_k;
insert into public.rid_by_key select 'k' || g, 'v' from generate_series(1, 20) g;
create table public.rid_none (id integer primary key, note text);
alter table public.rid_none replica identity nothing;
insert into public.rid_none select g, 'n' from generate_series(1, 5) g;
`;

/** `table: identity` for the tables above, identity as ALTER TABLE spells it. */
async function identities(url: string): Promise<Record<string, string>> {
  const rows = await query<{ t: string; identity: string }>(
    url,
    `select c.relname as t,
            case c.relreplident when 'f' then 'full' when 'n' then 'nothing' when 'd' then 'default'
              else 'using index ' || coalesce((select ic.relname from pg_index i join pg_class ic on ic.oid = i.indexrelid
                                                where i.indrelid = c.oid and i.indisreplident), '(dropped)') end as identity
       from pg_class c where c.oid in ('public.audit_events'::regclass, 'public.rid_by_code'::regclass, 'public.rid_by_key'::regclass,
                      'public.rid_none'::regclass)
      order by 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.identity]));
}

const WANT = {
  audit_events: 'full',
  rid_by_code: 'using index rid_by_code_code',
  rid_by_key: 'using index rid_by_key_k',
  rid_none: 'nothing',
};

describe('db schema and db copy carry REPLICA IDENTITY', () => {
  let sb: TestSandbox;

  before(async () => {
    sb = await getTestSandbox();
  });

  it('GIVEN FULL, USING INDEX (a unique index, a unique constraint) and NOTHING on the source WHEN db schema (live source) and db copy run THEN the target has the same identities and verify is clean', async () => {
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    await query(source.url, IDENTITIES);
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
    assert.deepEqual(await identities(target.url), WANT);

    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    assert.deepEqual(await identities(target.url), WANT, 'the load re-created the identity index as one');
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(report.ok, true, JSON.stringify(report.schema.differences));
  });

  it('GIVEN the same statements in migration files WHEN db schema takes the migrations route THEN the target has them', async () => {
    const target = await sb.freshTargetDb();
    const dir = tempDir('supa2aws-replident-');
    writeFileSync(
      path.join(dir, '20240101000000_identities.sql'),
      `create table public.audit_events (id bigint, event text);\n${IDENTITIES}`,
    );
    const build = await buildSchema({ source: { kind: 'migrations', dir } });
    assert.deepEqual(build.blockers, []);
    assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
    assert.deepEqual(await identities(target.url), WANT);
  });
});
