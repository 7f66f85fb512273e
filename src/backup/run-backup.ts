import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../core/config/index.ts';
import type { Reporter } from '../core/reporter.ts';
import { s3ClientFromConfig } from '../core/s3-from-config.ts';
import { takeBackup, type BackupManifest } from './backup.ts';
import { parseBucketLocation, uploadBackup } from './bucket.ts';

/**
 * `supa2aws backup --out <dir | s3://bucket/prefix>`: a local directory, or a bucket on the target side
 * (written locally first, uploaded, checked, then the local copy removed).
 */
export async function runBackup(options: {
  config: Config;
  out: string;
  pgDump: string;
  reporter?: Reporter;
}): Promise<{ manifest: BackupManifest; location: string }> {
  const { config } = options;
  const bucket = parseBucketLocation(options.out);
  const source = s3ClientFromConfig(config.source.storage);
  const outDir = bucket ? mkdtempSync(path.join(os.tmpdir(), 'supa2aws-backup-')) : options.out;
  try {
    const manifest = await takeBackup({
      sourceDbUrl: config.source.db.url,
      storage: source,
      outDir,
      pgDump: options.pgDump,
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
