/**
 * Phase 6 gate: Supabase may go only when nothing uses it, every verification is green, and a final backup
 * exists and checks out. Prints a checklist; any failing line keeps the exit code non-zero.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { checkBackup, checkBucketBackup, parseBucketLocation } from '../backup/index.ts';
import { readPhaseReports } from '../report/index.ts';
import { scanCodebase } from '../scan/index.ts';
import { replicationLeftovers } from './replication-leftovers.ts';
import { foreignConnections } from './source-connections.ts';
import { supabaseNamesInTaskDefinition } from './task-definitions.ts';

export interface ChecklistItem {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DecommissionOptions {
  /** The migrated codebase to scan. */
  codeDir: string;
  sourceDbUrl: string;
  /** RDS, checked for replication supa2aws left (the way back's slot, the subscription). @default not checked */
  targetDbUrl?: string;
  /** Where the phase reports are (storage/db/auth verify). */
  reportDir: string;
  /** The final backup: a directory, or `s3://bucket/prefix` read with `backupS3`. */
  backupDir: string;
  backupS3?: S3Client;
  /** ECS task definition JSON files to check for SUPABASE_* names. */
  taskDefinitions?: string[];
}

const VERIFIES = [
  {
    phase: 'storage',
    title: 'storage verify is green',
    fix: 'Run `supa2aws verify` (or `supa2aws storage verify` alone).',
  },
  {
    phase: 'db',
    title: 'database verify is green',
    fix: 'Run `supa2aws verify` (or `supa2aws db verify` alone).',
  },
  {
    phase: 'auth',
    title: 'auth verify is green',
    fix: 'Run `supa2aws verify` (or `supa2aws auth verify` alone).',
  },
];

export async function decommissionCheck(
  options: DecommissionOptions,
): Promise<{ ok: boolean; items: ChecklistItem[] }> {
  const items: ChecklistItem[] = [];

  const scan = await scanCodebase(options.codeDir);
  const calls = scan.findings.filter((f) => f.kind !== 'env' && f.kind !== 'url' && f.kind !== 'dependency');
  items.push({
    id: 'code',
    title: 'no Supabase calls left in the code',
    ok: calls.length === 0,
    detail:
      calls.length === 0
        ? `${scan.codeFiles} code file(s) scanned`
        : `${calls.length} call(s), e.g. ${calls[0]?.file}:${calls[0]?.line} ${calls[0]?.api}`,
    fix: `Run \`supa2aws scan ${options.codeDir}\` and replace each call.`,
  });
  const leftovers = scan.findings.filter(
    (f) => f.kind === 'env' || f.kind === 'url' || f.kind === 'dependency',
  );
  const taskNames = (options.taskDefinitions ?? []).flatMap((file) => supabaseNamesInTaskDefinition(file));
  items.push({
    id: 'config',
    title: 'no SUPABASE_* variables, Supabase URLs or packages in config and task definitions',
    ok: leftovers.length === 0 && taskNames.length === 0,
    detail:
      leftovers.length + taskNames.length === 0
        ? `code, config files and ${options.taskDefinitions?.length ?? 0} task definition(s) clean`
        : [
            ...leftovers.slice(0, 3).map((f) => `${f.file}:${f.line} ${f.api}`),
            ...taskNames.slice(0, 3),
          ].join('; '),
    fix: 'Remove them from .env files, Secrets Manager and the task definitions; set ACCEPT_SUPABASE_TOKENS=false.',
  });

  try {
    const { app, platform } = await foreignConnections(options.sourceDbUrl);
    items.push({
      id: 'connections',
      title: 'no connections to the Supabase database but ours',
      ok: app.length === 0,
      detail:
        app.length === 0
          ? `none (${platform} from Supabase's own services)`
          : app
              .slice(0, 5)
              .map(
                (c) =>
                  `${c.user}${c.application ? ` (${c.application})` : ''}${c.client ? ` from ${c.client}` : ''}`,
              )
              .join(', '),
      fix: 'Find what still connects (application name, client address) and point it at RDS.',
    });
  } catch (error) {
    items.push({
      id: 'connections',
      title: 'no connections to the Supabase database but ours',
      ok: false,
      detail: `cannot check: ${(error as Error).message}`,
      fix: 'Check source.db.url; `supa2aws doctor` shows why it is unreachable.',
    });
  }

  try {
    const left = await replicationLeftovers([
      { url: options.sourceDbUrl, side: 'source' },
      ...(options.targetDbUrl ? [{ url: options.targetDbUrl, side: 'target' as const }] : []),
    ]);
    items.push({
      id: 'replication',
      title: 'no supa2aws replication slot, publication or subscription left',
      ok: left.length === 0,
      detail: left.length === 0 ? 'none' : left.join(', '),
      fix: 'Run `supa2aws db replicate stop` (and `supa2aws db replicate stop --reverse` for the way back).',
    });
  } catch (error) {
    items.push({
      id: 'replication',
      title: 'no supa2aws replication slot, publication or subscription left',
      ok: false,
      detail: `cannot check: ${(error as Error).message}`,
      fix: 'Check source.db.url and target.db.url; `supa2aws doctor` shows why they are unreachable.',
    });
  }

  const reports = readPhaseReports(options.reportDir);
  for (const v of VERIFIES) {
    const latest = reports.filter((r) => r.phase === v.phase && r.command === 'verify').at(-1);
    items.push({
      id: `${v.phase}-verify`,
      title: v.title,
      ok: latest?.ok === true,
      detail: latest
        ? `${latest.ok ? 'green' : 'RED'} at ${latest.finishedAt}`
        : `no report in ${options.reportDir}`,
      fix: v.fix,
    });
  }

  const bucket = parseBucketLocation(options.backupDir);
  const backup =
    bucket && options.backupS3
      ? await checkBucketBackup(options.backupS3, bucket)
      : await checkBackup(options.backupDir);
  items.push({
    id: 'backup',
    title: 'a final backup exists and matches its manifest',
    ok: backup.ok,
    detail: backup.ok
      ? `${backup.manifest?.files.length} file(s), ${backup.manifest?.storage.objects} storage object(s) listed, taken ${backup.manifest?.createdAt}`
      : backup.problems.join('; '),
    fix: `Run \`supa2aws backup --out ${options.backupDir}\`.`,
  });

  return { ok: items.every((i) => i.ok), items };
}
