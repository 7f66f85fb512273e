/**
 * `db schema`, `db copy` and `db verify` as the commands run them: the step timed, then what it produced
 * written — the reviewable schema file, the phase report (report-dir), db-verify.md. The CLI parses flags,
 * calls one of these and prints the result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { timed, writePhaseReport } from '../report/index.ts';
import type { CopyDataResult } from './copy/copy-data.ts';
import {
  applySchemaFromConfig,
  buildSchemaFromConfig,
  copyDataFromConfig,
  verifyDbFromConfig,
  type DbApplyRunOptions,
  type DbCopyRunOptions,
  type DbRunDeps,
  type DbSchemaRunOptions,
  type DbVerifyRunOptions,
} from './from-config.ts';
import { copyPhaseReport, schemaPhaseReport, verifyPhaseReport } from './phase-reports.ts';
import type { ApplySchemaResult } from './schema/apply-schema.ts';
import { loadSchemaFile, type SchemaBuild } from './schema/build-schema.ts';
import { verifyReportMarkdown } from './verify/report.ts';
import type { VerifyReport } from './verify/verify-db.ts';

export interface DbSchemaPhaseOptions extends DbSchemaRunOptions, DbApplyRunOptions {
  /** Where the reviewable schema is written. */
  out: string;
  /** Write the file, apply nothing. @default false */
  dryRun?: boolean;
  /** Where the phase report goes. */
  reportDir: string;
}

export interface DbSchemaPhaseResult {
  build: SchemaBuild;
  /** Undefined on a dry run. */
  applied: ApplySchemaResult | undefined;
}

/** `db schema`: build the schema, write it for review, apply it unless dry-run; the phase report either way. */
export async function runSchemaPhase(
  config: Config,
  options: DbSchemaPhaseOptions,
  deps: DbRunDeps = {},
): Promise<DbSchemaPhaseResult> {
  const { out, dryRun, reportDir, allowBlocked, privilegedUrl, ...build } = options;
  const { value, timing } = await timed(async (): Promise<DbSchemaPhaseResult> => {
    const built = await buildSchemaFromConfig(config, build, deps);
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeFileSync(out, built.script.text);
    if (dryRun) return { build: built, applied: undefined };
    const apply = { ...(privilegedUrl ? { privilegedUrl } : {}), allowBlocked: allowBlocked === true };
    return { build: built, applied: await applySchemaFromConfig(config, built.script, apply, deps) };
  });
  writePhaseReport(reportDir, schemaPhaseReport(value.build, value.applied, timing));
  return value;
}

/** `db schema --apply-file`: apply a reviewed schema file written earlier. */
export async function applySchemaFile(
  config: Config,
  file: string,
  options: DbApplyRunOptions = {},
  deps: DbRunDeps = {},
): Promise<ApplySchemaResult> {
  const script = await loadSchemaFile(file);
  return applySchemaFromConfig(config, script, options, deps);
}

/** `db copy`: the copy, and its phase report unless dry-run. */
export async function runCopyPhase(
  config: Config,
  options: DbCopyRunOptions & { reportDir: string },
  deps: DbRunDeps = {},
): Promise<CopyDataResult> {
  const { reportDir, ...copy } = options;
  const { value: result, timing } = await timed(() => copyDataFromConfig(config, copy, deps));
  if (!copy.dryRun) writePhaseReport(reportDir, copyPhaseReport(result, timing));
  return result;
}

/** `db verify`: the comparison, its phase report and db-verify.md in reportDir. */
export async function runVerifyPhase(
  config: Config,
  options: DbVerifyRunOptions & { reportDir: string },
  deps: DbRunDeps = {},
): Promise<{ report: VerifyReport; markdown: string }> {
  const { reportDir, ...verify } = options;
  const { value: report, timing } = await timed(() => verifyDbFromConfig(config, verify, deps));
  writePhaseReport(reportDir, verifyPhaseReport(report, timing));
  mkdirSync(reportDir, { recursive: true });
  const markdown = path.join(reportDir, 'db-verify.md');
  writeFileSync(markdown, verifyReportMarkdown(report));
  return { report, markdown };
}
