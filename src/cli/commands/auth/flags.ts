/** Flags every `auth` subcommand takes. */
import { DEFAULT_REPORT_DIR } from '../../../report/phase-report.ts';

export const reportDirOption = [
  '--report-dir <dir>',
  'where the JSON phase report goes',
  DEFAULT_REPORT_DIR,
] as const;
