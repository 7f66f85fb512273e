/**
 * The final backup before Supabase goes away: the schema and data as pg_dump custom-format files, and a
 * manifest of every storage object (bucket, key, size, eTag as `storage.objects` records it, and whether the
 * bytes were seen at the source). A manifest.json lists every file with its SHA-256 so the backup can be checked.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { defaultConnect, withClient, type PgClient } from '../core/pg.ts';
import { Supa2awsError } from '../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';

export interface BackupOptions {
  /** Source database connection string (the Supabase project). */
  sourceDbUrl: string;
  /** S3 client for the Supabase Storage endpoint. */
  storage: S3Client;
  /** Directory to write into (created). */
  outDir: string;
  /** pg_dump to run; its major must be at least the server's. */
  pgDump: string;
  reporter?: Reporter;
}

export interface BackupFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  version: 1;
  createdAt: string;
  source: { serverVersion: string };
  files: BackupFile[];
  /** Objects listed; `ghosts` are rows whose bytes the source does not have. */
  storage: { objects: number; bytes: number; ghosts: number };
}

export const BACKUP_MANIFEST = 'manifest.json';

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function runPgDump(pgDump: string, args: string[], url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The password goes through the environment (PGPASSWORD), so it never shows in `ps`.
    const target = new URL(url);
    const password = decodeURIComponent(target.password);
    target.password = '';
    const child = spawn(pgDump, [...args, '--dbname', target.toString()], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PGPASSWORD: password },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) =>
      reject(
        new Supa2awsError('BACKUP_PG_DUMP_MISSING', `cannot run ${pgDump}: ${error.message}`, {
          hint: 'Install the PostgreSQL client of at least the server’s major version, or pass --pg-dump.',
        }),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Supa2awsError(
              'BACKUP_PG_DUMP_FAILED',
              `pg_dump exited ${code}: ${stderr.trim().slice(-500)}`,
              {
                hint: 'Run `supa2aws doctor`: pg_dump must be at least the source server’s major version.',
              },
            ),
          ),
    );
  });
}

async function writeStorageManifest(
  client: PgClient,
  storage: S3Client,
  file: string,
): Promise<BackupManifest['storage']> {
  const { rows } = await client.query<{
    bucket_id: string;
    name: string;
    size: string | null;
    etag: string | null;
    mimetype: string | null;
  }>(
    `SELECT bucket_id, name, metadata->>'size' AS size, metadata->>'eTag' AS etag, metadata->>'mimetype' AS mimetype
       FROM storage.objects ORDER BY bucket_id, name`,
  );
  const present = new Map<string, number>();
  for (const bucket of [...new Set(rows.map((r) => r.bucket_id))]) {
    let token: string | undefined;
    do {
      const page = await storage.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) present.set(`${bucket}/${o.Key}`, o.Size ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  const out = createWriteStream(file, { mode: 0o600 });
  let bytes = 0;
  let missing = 0;
  for (const r of rows) {
    const seen = present.get(`${r.bucket_id}/${r.name}`);
    if (seen === undefined) missing++;
    bytes += Number(r.size ?? 0);
    out.write(
      `${JSON.stringify({ bucket: r.bucket_id, key: r.name, size: Number(r.size ?? 0), eTag: r.etag, mimetype: r.mimetype, present: seen !== undefined })}\n`,
    );
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { objects: rows.length, bytes, ghosts: missing };
}

/** The dumps and the storage manifest, each file checksummed in the manifest. */
async function writeBackup(
  client: PgClient,
  options: BackupOptions,
  reporter: Reporter,
): Promise<BackupManifest> {
  const version =
    (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '';
  const schemaFile = path.join(options.outDir, 'schema.dump');
  const dataFile = path.join(options.outDir, 'data.dump');
  await step(reporter, 'schema (pg_dump --schema-only)', () =>
    runPgDump(
      options.pgDump,
      ['--format=custom', '--schema-only', '--file', schemaFile],
      options.sourceDbUrl,
    ),
  );
  await step(reporter, 'data (pg_dump --data-only)', () =>
    runPgDump(options.pgDump, ['--format=custom', '--data-only', '--file', dataFile], options.sourceDbUrl),
  );
  const storageFile = path.join(options.outDir, 'storage-objects.ndjson');
  const storage = await step(reporter, 'storage manifest', () =>
    writeStorageManifest(client, options.storage, storageFile),
  );
  if (storage.ghosts > 0) {
    logger(reporter).warn(`${storage.ghosts} storage.objects row(s) have no bytes at the source (ghosts)`);
  }
  const files: BackupFile[] = [];
  for (const file of [schemaFile, dataFile, storageFile]) {
    chmodSync(file, 0o600); // the data dump holds password hashes
    files.push({ name: path.basename(file), bytes: statSync(file).size, sha256: await sha256File(file) });
  }
  const manifest: BackupManifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    source: { serverVersion: version },
    files,
    storage,
  };
  writeFileSync(path.join(options.outDir, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
  });
  return manifest;
}

export async function takeBackup(options: BackupOptions): Promise<BackupManifest> {
  const reporter = options.reporter ?? silentReporter;
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  return withClient(
    defaultConnect,
    options.sourceDbUrl,
    'source',
    (client) => writeBackup(client, options, reporter),
    {
      applicationName: 'supa2aws-backup',
    },
  );
}

/** Checks a backup directory against its manifest: every file present with its recorded size and SHA-256. */
export async function checkBackup(
  dir: string,
): Promise<{ ok: boolean; problems: string[]; manifest?: BackupManifest }> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    return { ok: false, problems: [`no ${BACKUP_MANIFEST} in ${dir}`] };
  }
  const problems: string[] = [];
  for (const file of manifest.files) {
    const full = path.join(dir, file.name);
    try {
      if (statSync(full).size !== file.bytes) problems.push(`${file.name}: size differs from the manifest`);
      else if ((await sha256File(full)) !== file.sha256)
        problems.push(`${file.name}: SHA-256 differs from the manifest`);
    } catch {
      problems.push(`${file.name}: missing`);
    }
  }
  return { ok: problems.length === 0, problems, manifest };
}
