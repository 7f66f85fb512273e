/** The pure parts of `db replicate`: names, the pooler refusal, the conninfo, the readiness rules, drift. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, TableInfo } from '../../src/db/catalog/tables.ts';
import { schemaDrift } from '../../src/db/replicate/drift.ts';
import { writableConnect } from '../../src/db/replicate/freeze.ts';
import {
  assertDirectHost,
  isPoolerUrl,
  replicationNames,
  subscriptionConninfo,
} from '../../src/db/replicate/names.ts';
import {
  assertPublisherReady,
  assertSubscriberReady,
  type PublisherFacts,
  type SubscriberFacts,
} from '../../src/db/replicate/preflight.ts';
import { publicationSql } from '../../src/db/replicate/published-tables.ts';
import type { ConnectFn, ConnectOptions, PgClient } from '../../src/core/pg.ts';

function column(name: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    name,
    type: 'text',
    generated: false,
    notNull: false,
    binarySafe: true,
    collatable: true,
    typeOid: 25,
    ...extra,
  };
}

function tableOf(name: string, columns: ColumnInfo[]): TableInfo {
  return {
    schema: 'public',
    name,
    columns,
    primaryKey: ['id'],
    rowEstimate: 0,
    totalBytes: 0,
    rlsEnabled: false,
    rlsForced: false,
  };
}

const publisher: PublisherFacts = {
  version: 15,
  walLevel: 'logical',
  user: 'postgres',
  superuser: false,
  replication: true,
  canCreate: true,
  maxSlots: 10,
  slotsUsed: 0,
  otherSlots: [],
  maxWalSenders: 10,
  walSendersUsed: 0,
};

const subscriber: SubscriberFacts = {
  version: 16,
  user: 'postgres',
  superuser: false,
  mayCreateSubscription: true,
  canCreate: true,
  maxWorkers: 4,
  otherSubscriptions: 0,
};

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('db replicate: names and hosts', () => {
  it('refuses Supabase poolers (session and transaction) and port 6543, accepts the direct host', () => {
    assert.equal(
      isPoolerUrl('postgresql://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres'),
      true,
    );
    assert.equal(isPoolerUrl('postgresql://postgres:pw@db.abcdefgh.supabase.co:6543/postgres'), true);
    assert.equal(isPoolerUrl('postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres'), false);
    assert.equal(
      codeOf(() =>
        assertDirectHost('postgresql://u:secret@x.pooler.supabase.com:6543/postgres', 'source.db.url'),
      ),
      'REPLICATE_NEEDS_DIRECT_HOST',
    );
    try {
      assertDirectHost('postgresql://u:secret@x.pooler.supabase.com:6543/postgres', 'source.db.url');
    } catch (error) {
      assert.doesNotMatch((error as Error).message, /secret/);
    }
  });

  it('names fit PostgreSQL (63 chars, lower case) and differ per database', () => {
    assert.equal(replicationNames('postgres').slot, 'supa2aws_postgres');
    const long = replicationNames('A-Very-Long-Database-Name-That-Goes-On-And-On-And-On-Forever-More');
    assert.ok(long.slot.length <= 63 && /^[a-z0-9_]+$/.test(long.slot));
    assert.notEqual(replicationNames('App').slot, replicationNames('app').slot);
  });

  it('writes a libpq conninfo with quoting and the TLS parameters kept', () => {
    const info = subscriptionConninfo(
      'postgresql://postgres:p%27w%5Cd@db.ref.supabase.co:5432/postgres?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x',
    );
    assert.equal(
      info,
      "host='db.ref.supabase.co' port='5432' dbname='postgres' user='postgres' password='p\\'w\\\\d' sslmode='verify-full' sslrootcert='/etc/ca.pem'",
    );
  });
});

describe('db replicate: readiness', () => {
  it('names the first thing the publisher lacks', () => {
    assert.equal(
      codeOf(() => assertPublisherReady(publisher, 'source')),
      undefined,
    );
    assert.equal(
      codeOf(() => assertPublisherReady({ ...publisher, version: 14 }, 'source')),
      'REPLICATE_VERSION',
    );
    assert.equal(
      codeOf(() => assertPublisherReady({ ...publisher, walLevel: 'replica' }, 'source')),
      'REPLICATE_WAL_LEVEL',
    );
    assert.equal(
      codeOf(() => assertPublisherReady({ ...publisher, replication: false }, 'source')),
      'REPLICATE_SOURCE_PRIVILEGES',
    );
    assert.equal(
      codeOf(() => assertPublisherReady({ ...publisher, slotsUsed: 10 }, 'source')),
      'REPLICATE_SLOTS_EXHAUSTED',
    );
    assert.equal(
      codeOf(() => assertPublisherReady({ ...publisher, walSendersUsed: 9 }, 'source')),
      'REPLICATE_WAL_SENDERS_EXHAUSTED',
    );
  });

  it('names what the subscriber lacks', () => {
    assert.equal(
      codeOf(() => assertSubscriberReady(subscriber, 'target')),
      undefined,
    );
    assert.equal(
      codeOf(() => assertSubscriberReady({ ...subscriber, mayCreateSubscription: false }, 'target')),
      'REPLICATE_TARGET_PRIVILEGES',
    );
    assert.equal(
      codeOf(() => assertSubscriberReady({ ...subscriber, otherSubscriptions: 4 }, 'target')),
      'REPLICATE_WORKERS_EXHAUSTED',
    );
  });
});

describe('db replicate: publication and drift', () => {
  it('lists only the columns both sides have, and none when they are the same', () => {
    const source = [
      tableOf('a', [column('id'), column('x')]),
      tableOf('b', [column('id'), column('secret'), column('g', { generated: true })]),
    ];
    const target = [tableOf('a', [column('id'), column('x')]), tableOf('b', [column('id'), column('extra')])];
    assert.equal(
      publicationSql('supa2aws_p', source, target),
      'CREATE PUBLICATION "supa2aws_p" FOR TABLE "public"."a", "public"."b" ("id")',
    );
  });

  it('finds new tables, new columns and changed built-in types, and ignores what is copied at cutover', () => {
    const source = [
      tableOf('a', [column('id'), column('added')]),
      tableOf('b', [column('id', { typeOid: 23, type: 'integer' })]),
      tableOf('new', [column('id')]),
    ];
    const target = [
      tableOf('a', [column('id')]),
      tableOf('b', [column('id', { typeOid: 20, type: 'bigint' })]),
    ];
    const drift = schemaDrift(source, target, new Set(['public.a', 'public.b']), new Set());
    assert.deepEqual(
      drift.map((d) => `${d.table}: ${d.problem}`),
      [
        'public.a: column added (text) exists on the source only',
        'public.b: column id is integer on the source, bigint on the target',
        'public.new: exists on the source only (created after replication started)',
      ],
    );
    assert.deepEqual(schemaDrift(source.slice(2), [], new Set(), new Set(['public.new'])), []);
  });
});

describe('db replicate: bookkeeping connections', () => {
  it("stay writable during a freeze and keep the caller's connect options (timeout, application name)", async () => {
    const seen: { options?: ConnectOptions; sql: string[] } = { sql: [] };
    const client = {
      query: async (sql: string) => {
        seen.sql.push(sql);
        return { rows: [] };
      },
    } as unknown as PgClient;
    const connect: ConnectFn = async (_url, _role, options) => {
      seen.options = options;
      return client;
    };
    const options = { connectTimeoutMs: 1234, applicationName: 'probe' };
    assert.equal(await writableConnect(connect)('postgres://h/db', 'target', options), client);
    assert.deepEqual(seen, { options, sql: ['SET default_transaction_read_only = off'] });
  });
});
