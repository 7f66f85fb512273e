import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { defaultConnect, serverMajor, withClient } from '../core/pg.ts';
import { s3ClientFromConfig } from '../core/s3-from-config.ts';
import { logger, type Reporter } from '../core/reporter.ts';
import { choosePgDump, type FindPgDumpOptions, type PgDumpBinary } from '../db/schema/pg-dump.ts';
import { takeBackup, type BackupManifest } from './backup.ts';
import { parseBucketLocation, uploadBackup } from './bucket.ts';

/**
 * `supa2aws backup --out <dir | s3://bucket/prefix>`: a local directory, or a bucket on the target side
 * (written locally first, uploaded, checked, then the local copy removed).
 */
export async function runBackup(options: {
  config: Config;
  out: string;
  /** `--pg-dump`, config db.pgDump, PG_DUMP…: chosen for the source's major as `db schema` chooses. */
  pgDump: FindPgDumpOptions;
  reporter?: Reporter;
}): Promise<{ manifest: BackupManifest; location: string }> {
  const { config } = options;
  const pgDump = await pgDumpForSource(config.source.db.url, options.pgDump);
  if (options.reporter)
    logger(options.reporter).info(`pg_dump ${pgDump.major} (${pgDump.path}, from ${pgDump.from})`);
  const bucket = parseBucketLocation(options.out);
  const source = s3ClientFromConfig(config.source.storage);
  const outDir = bucket ? mkdtempSync(path.join(os.tmpdir(), 'supa2aws-backup-')) : options.out;
  try {
    const manifest = await takeBackup({
      sourceDbUrl: config.source.db.url,
      storage: source,
      outDir,
      pgDump: pgDump.path,
      ...(options.reporter ? { reporter: options.reporter } : {}),
    });
    if (bucket) {
      const target = s3ClientFromConfig(config.target.s3);
      try {
        await uploadBackup(outDir, manifest, target, bucket);
      } finally {
        target.destroy();
      }
    }
    return { manifest, location: options.out };
  } finally {
    source.destroy();
    if (bucket) rmSync(outDir, { recursive: true, force: true });
  }
}

/** The pg_dump `db schema` would run for this source: at least the server's major version. */
function pgDumpForSource(url: string, options: FindPgDumpOptions): Promise<PgDumpBinary> {
  return withClient(
    defaultConnect,
    url,
    'source',
    async (client) => choosePgDump(await serverMajor(client), options),
    { applicationName: 'supa2aws-backup' },
  );
}
