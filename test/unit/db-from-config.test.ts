import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, type Config } from '../../src/config/index.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import {
  buildSchemaOptions,
  copyDataOptions,
  cutoverOptions,
  ownerRoleOf,
  pgDumpChoice,
  planDbOptions,
  replicationSides,
  startReplicationOptions,
  verifyDbOptions,
} from '../../src/db/index.ts';

const SOURCE = 'postgresql://postgres.ref:pw@pooler.example.com:6543/postgres?sslmode=require';
const DIRECT = 'postgresql://postgres:pw@db.ref.supabase.co:5432/postgres?sslmode=require';
const TARGET = 'postgresql://app_owner:pw@db.abc.eu-central-1.rds.amazonaws.com:5432/aiuteur';

function configWith(db: Record<string, unknown> = {}, auth: Record<string, unknown> = {}): Config {
  const { config, errors } = parseConfig(
    {
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: SOURCE },
        storage: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' },
      },
      target: { region: 'eu-central-1', db: { url: TARGET }, s3: {} },
      db,
      auth,
    },
    {},
  );
  assert.ok(config, JSON.stringify(errors));
  return config;
}

const tuned = configWith(
  {
    schemas: ['public', 'billing'],
    concurrency: 5,
    verifyChunkRows: 777,
    copyFormat: 'text',
    pgDump: '/opt/pg17/bin/pg_dump',
    rls: 'drop',
    replication: { sourceUrl: DIRECT, sequenceMargin: 50, lagTimeoutSeconds: 9, freezeRoles: ['app'] },
  },
  { legacySchema: 'legacy_store' },
);

function codeOf(fn: () => unknown): { code: string; exitCode: number } {
  try {
    fn();
  } catch (error) {
    assert.ok(isSupa2awsError(error), String(error));
    return { code: error.code, exitCode: error.exitCode };
  }
  assert.fail('expected a coded error');
}

describe('db adapters from a config', () => {
  it('GIVEN db.* set WHEN db plan maps it THEN both URLs, the schemas and pg_dump (flag first, then db.pgDump) go through', () => {
    assert.deepEqual(planDbOptions(tuned, { pgDump: '/usr/bin/pg_dump' }), {
      sourceUrl: SOURCE,
      targetUrl: TARGET,
      schemas: ['public', 'billing'],
      pgDump: { flag: '/usr/bin/pg_dump', config: '/opt/pg17/bin/pg_dump' },
    });
    const bare = planDbOptions(configWith());
    assert.equal('schemas' in bare, false, 'no db.schemas: every app schema is discovered');
    assert.deepEqual(bare.pgDump, {});
  });

  it('GIVEN --pg-dump and db.pgDump WHEN backup or doctor choose pg_dump THEN they pass the flag first, then db.pgDump, as db plan does', () => {
    assert.deepEqual(
      pgDumpChoice(tuned.db, '/usr/bin/pg_dump'),
      planDbOptions(tuned, { pgDump: '/usr/bin/pg_dump' }).pgDump,
    );
    assert.deepEqual(pgDumpChoice(tuned.db, undefined), { config: '/opt/pg17/bin/pg_dump' });
    assert.deepEqual(pgDumpChoice({}, '/usr/bin/pg_dump'), { flag: '/usr/bin/pg_dump' });
    assert.deepEqual(pgDumpChoice({ pgDump: undefined }, undefined), {});
  });

  it('GIVEN no db.ownerRole WHEN db schema maps the config THEN pg_dump reads the source and the owner is the target URL’s user', () => {
    const options = buildSchemaOptions(configWith());
    assert.deepEqual(options.source, { kind: 'pg_dump', sourceUrl: SOURCE, pgDump: {} });
    assert.equal(options.ownerRole, 'app_owner');
    assert.equal(options.rls, 'keep');
    assert.equal(ownerRoleOf(configWith({ ownerRole: 'rds_owner' })), 'rds_owner');
  });

  it('GIVEN flags WHEN db schema maps them THEN migrations, a dump file and --rls override the config', () => {
    assert.deepEqual(
      buildSchemaOptions(tuned, { fromMigrations: 'supabase/migrations', seed: true }).source,
      {
        kind: 'migrations',
        dir: 'supabase/migrations',
        seed: true,
      },
    );
    assert.deepEqual(buildSchemaOptions(tuned, { fromDump: 'schema.sql' }).source, {
      kind: 'dump-file',
      file: 'schema.sql',
    });
    assert.equal(buildSchemaOptions(tuned).rls, 'drop');
    assert.equal(buildSchemaOptions(tuned, { rls: 'keep' }).rls, 'keep');
    assert.equal(buildSchemaOptions(tuned, { apiDefaultPrivileges: false }).apiDefaultPrivileges, false);
    assert.deepEqual(
      codeOf(() => buildSchemaOptions(tuned, { rls: 'maybe' as 'keep' })),
      { code: 'DB_BAD_FLAG', exitCode: 2 },
    );
  });

  it('GIVEN db.concurrency and db.copyFormat WHEN db copy maps them THEN they apply unless a flag overrides them', () => {
    const options = copyDataOptions(tuned);
    assert.equal(options.concurrency, 5);
    assert.equal(options.format, 'text');
    assert.deepEqual(options.schemas, ['public', 'billing']);
    assert.equal(options.dryRun, false);
    assert.equal('tables' in options, false);
    const flagged = copyDataOptions(tuned, {
      concurrency: 1,
      format: 'binary',
      tables: ['public.a'],
      dryRun: true,
    });
    assert.deepEqual(
      [flagged.concurrency, flagged.format, flagged.tables, flagged.dryRun],
      [1, 'binary', ['public.a'], true],
    );
    assert.deepEqual(
      codeOf(() => copyDataOptions(tuned, { format: 'csv' })),
      { code: 'DB_BAD_FLAG', exitCode: 2 },
    );
  });

  it('GIVEN db.* and auth.legacySchema WHEN db verify maps them THEN schemas, chunk size, concurrency and the legacy store’s exclusion are all there', () => {
    const reporter = { emit: () => undefined };
    assert.deepEqual(verifyDbOptions(tuned, {}, { reporter }), {
      sourceUrl: SOURCE,
      targetUrl: TARGET,
      schemas: ['public', 'billing'],
      targetOnlySchemas: ['legacy_store'],
      chunkRows: 777,
      concurrency: 5,
      schema: true,
      reporter,
    });
    const flagged = verifyDbOptions(tuned, {
      chunkRows: 10,
      concurrency: 1,
      tables: ['public.x'],
      schema: false,
    });
    assert.deepEqual(
      [flagged.chunkRows, flagged.concurrency, flagged.tables, flagged.schema],
      [10, 1, ['public.x'], false],
    );
    assert.equal(tuned.db.verifyChunkRows, 777, 'the config is left as it was');
  });

  it('GIVEN db.replication.sourceUrl WHEN replication maps the sides THEN forward publishes from the direct host and reverse swaps the sides', () => {
    assert.deepEqual(replicationSides(tuned), {
      sourceUrl: DIRECT,
      targetUrl: TARGET,
      sourceSetting: 'db.replication.sourceUrl',
    });
    assert.deepEqual(replicationSides(configWith(), 'forward').sourceSetting, 'source.db.url');
    assert.deepEqual(replicationSides(tuned, 'reverse'), {
      sourceUrl: TARGET,
      targetUrl: DIRECT,
      sourceSetting: 'target.db.url',
    });
  });

  it('GIVEN a config WHEN db replicate start and reverse map it THEN auth.users goes forward only and the subscriber admin only back', () => {
    const forward = startReplicationOptions(tuned, { subscriberAdminUrl: 'postgresql://admin@x/db' });
    assert.deepEqual(
      [forward.sourceUrl, forward.withAuthUsers, forward.direction, forward.concurrency, forward.format],
      [DIRECT, true, 'forward', 5, 'text'],
    );
    assert.equal('subscriberAdminUrl' in forward, false);
    const reverse = startReplicationOptions(tuned, {
      direction: 'reverse',
      concurrency: 3,
      subscriberAdminUrl: 'postgresql://admin@x/db',
    });
    assert.deepEqual(
      [
        reverse.sourceUrl,
        reverse.targetUrl,
        reverse.withAuthUsers,
        reverse.concurrency,
        reverse.subscriberAdminUrl,
      ],
      [TARGET, DIRECT, false, 3, 'postgresql://admin@x/db'],
    );
  });

  it('GIVEN db.replication WHEN db cutover and db rollback map it THEN margins, timeouts and roles come from the config unless flagged, and the way back lifts the freeze', () => {
    const forward = cutoverOptions(tuned);
    assert.deepEqual(
      [
        forward.sourceUrl,
        forward.targetUrl,
        forward.sequenceMargin,
        forward.lagTimeoutMs,
        forward.freezeRoles,
        forward.withAuthUsers,
        forward.unfreezeTarget,
        forward.dryRun,
      ],
      [DIRECT, TARGET, 50, 9000, ['app'], true, false, false],
    );
    const back = cutoverOptions(tuned, {
      direction: 'rollback',
      sequenceMargin: 0,
      lagTimeoutSeconds: 2,
      subscriberAdminUrl: 'postgresql://admin@x/db',
      dryRun: true,
    });
    assert.deepEqual(
      [
        back.sourceUrl,
        back.targetUrl,
        back.sequenceMargin,
        back.lagTimeoutMs,
        back.unfreezeTarget,
        back.dryRun,
      ],
      [TARGET, DIRECT, 0, 2000, true, true],
    );
    assert.equal(back.subscriberAdminUrl, 'postgresql://admin@x/db');
    assert.equal('subscriberAdminUrl' in cutoverOptions(tuned, { subscriberAdminUrl: 'x' }), false);
  });

  it('GIVEN one config WHEN db verify, supa2aws verify and the demo’s cutover build their verify THEN they compare the same schemas with the same chunk size and concurrency', () => {
    for (const config of [tuned, configWith()]) {
      const verify = verifyDbOptions(config);
      const inFreeze = cutoverOptions(config);
      assert.deepEqual(
        {
          schemas: inFreeze.schemas,
          targetOnlySchemas: inFreeze.targetOnlySchemas,
          chunkRows: inFreeze.chunkRows,
          concurrency: inFreeze.concurrency,
        },
        {
          schemas: verify.schemas,
          targetOnlySchemas: verify.targetOnlySchemas,
          chunkRows: verify.chunkRows,
          concurrency: verify.concurrency,
        },
      );
    }
  });
});
