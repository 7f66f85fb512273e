/**
 * The URL ledger: every value `storage rewrite-urls` changes is recorded, in the same transaction as the
 * change, in `supa2aws.url_ledger` of the same database, so `storage restore-urls` can put back exactly what
 * was there. It holds old signed URLs (with their tokens): it is readable only by its owner.
 */
import type { PgClient } from '../../core/pg.ts';

export const LEDGER_TABLE = 'supa2aws.url_ledger';

const DDL = `
create schema if not exists supa2aws;
create table if not exists supa2aws.url_ledger (
  id bigserial primary key,
  run_id text not null,
  table_schema text not null,
  table_name text not null,
  column_name text not null,
  pk jsonb not null,
  kind text not null check (kind in ('text', 'jsonb')),
  old_text text,
  new_text text,
  old_json jsonb,
  new_json jsonb,
  rewritten_at timestamptz not null default now(),
  restored_at timestamptz,
  restore_status text check (restore_status in ('restored', 'changed-since', 'row-gone'))
);
create index if not exists url_ledger_pending
  on supa2aws.url_ledger (table_schema, table_name, column_name, id) where restored_at is null;
revoke all on schema supa2aws from public;
revoke all on all tables in schema supa2aws from public;
do $$
declare r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on schema supa2aws from %I', r);
      execute format('revoke all on all tables in schema supa2aws from %I', r);
    end if;
  end loop;
end $$;
`;

/** Creates the ledger if it is not there (idempotent). */
export async function ensureLedger(db: PgClient): Promise<void> {
  await db.query(DDL);
}

export async function ledgerExists(db: PgClient): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `select to_regclass('supa2aws.url_ledger') is not null as ok`,
  );
  return rows[0]?.ok === true;
}
