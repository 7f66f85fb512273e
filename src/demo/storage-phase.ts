/** The demo's phase 1: buckets, copy, verify, then the URLs stored in the (still live) Supabase database. */
import type { Config } from '../config/index.ts';
import type { Reporter } from '../core/reporter.ts';
import { timingSince, type PhaseReport } from '../report/index.ts';
import { copyPhaseReport, setupPhaseReport, urlsPhaseReport, verifyPhaseReport } from '../storage/report.ts';
import {
  copyStorageFromConfig,
  discoverUrlsFromConfig,
  rewriteUrlsFromConfig,
  setupStorageFromConfig,
  verifyStorageFromConfig,
} from '../storage/run.ts';

export interface StoragePhase {
  ok: boolean;
  detail: string;
  reports: PhaseReport[];
}

export async function runStoragePhase(
  config: Config,
  deps: { reporter: Reporter; signal?: AbortSignal },
): Promise<StoragePhase> {
  const reports: PhaseReport[] = [];
  let t = Date.now();
  reports.push(setupPhaseReport(await setupStorageFromConfig(config, {}, deps), timingSince(t)));
  const copied = await copyStorageFromConfig(config, {}, deps);
  if (copied.result) reports.push(copyPhaseReport(copied.result));
  t = Date.now();
  const verified = await verifyStorageFromConfig(config, {}, deps);
  const verifyReport = verifyPhaseReport(verified, timingSince(t));
  reports.push(verifyReport);
  // The URL columns are found, not listed by hand: what `storage rewrite-urls --discover` prints.
  const discovered = await discoverUrlsFromConfig(config, {}, deps);
  const withColumns: Config = {
    ...config,
    storage: { ...config.storage, urlColumns: discovered.config.storage.urlColumns },
  };
  const rewritten = await rewriteUrlsFromConfig(withColumns, {}, deps);
  reports.push(urlsPhaseReport(rewritten));
  const copiedNow = copied.result?.copied.count ?? 0;
  const changed = rewritten.columns.reduce((n, c) => n + c.changed, 0);
  return {
    ok: verifyReport.ok && (copied.result?.failed.length ?? 0) === 0,
    detail:
      `${copied.plan.totals.rows.count} objects (${copiedNow} copied now, SHA-256 read back); ` +
      `${changed} URL value(s) rewritten in ${rewritten.columns.length} column(s)`,
    reports,
  };
}
