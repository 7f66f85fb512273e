import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Supa2awsError } from '../core/errors.ts';
import { DEFAULT_REPORT_DIR, readPhaseReports } from './phase-report.ts';
import { buildMigrationReport, renderHtml, renderMarkdown, type MigrationReport } from './render-report.ts';

export interface WrittenReport {
  report: MigrationReport;
  markdownFile: string;
  htmlFile: string;
}

/** Builds report.md and report.html from the phase reports in `dir`. */
export function writeMigrationReport(dir = DEFAULT_REPORT_DIR): WrittenReport {
  const phases = readPhaseReports(dir);
  if (phases.length === 0) {
    throw new Supa2awsError('REPORT_EMPTY', `No phase reports found in ${dir}`, {
      exit: 'usage',
      hint: 'Run a phase first (for example `supa2aws storage copy`) or `supa2aws demo`, or pass --dir.',
    });
  }
  const report = buildMigrationReport(phases);
  const markdownFile = path.join(dir, 'report.md');
  const htmlFile = path.join(dir, 'report.html');
  writeFileSync(markdownFile, renderMarkdown(report));
  writeFileSync(htmlFile, renderHtml(report));
  return { report, markdownFile, htmlFile };
}
