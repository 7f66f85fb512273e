/** The verify report as Markdown (the JSON form is the VerifyReport object itself). */
import type { VerifyReport } from './verify-db.ts';

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function verifyReportMarkdown(report: VerifyReport): string {
  const lines = [
    `# Database verification: ${report.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `Checked ${report.checkedAt} from source snapshot \`${report.snapshot}\` in ${(report.elapsedMs / 1000).toFixed(1)} s.`,
    `Tables: ${report.totals.matched} of ${report.totals.tables} equal; rows ${report.totals.sourceRows} on the source, ${report.totals.targetRows} on the target.`,
    `Schemas compared: ${report.coverage.schemas.join(', ')} (${report.coverage.from === 'config' ? 'narrowed by db.schemas' : 'every app schema with tables, on either side'}).`,
    ...(report.schema.compared
      ? []
      : ['**The schema was not compared (--no-schema): this pass covers rows only.**']),
    ...(report.coverage.excluded.length > 0
      ? [
          '',
          `**Not compared** (${report.coverage.excluded.length} table(s), left out on purpose):`,
          '',
          ...report.coverage.excluded.map((e) => `- ${cell(e.table)} (~${e.rowEstimate} rows): ${e.reason}`),
        ]
      : []),
    '',
    'Each table was digested on both servers with the same session settings ' +
      `(${Object.entries(report.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )}): md5 of every row's text form over the columns both sides store, summed per range of the first primary-key column (or over the whole table when it has no usable key).`,
    '',
    '| table | status | source rows | target rows | method | ranges | mismatched ranges |',
    '|---|---|---:|---:|---|---:|---:|',
    ...report.tables.map(
      (t) =>
        `| ${cell(t.table)} | ${t.status} | ${t.sourceRows} | ${t.targetRows} | ${t.method === 'key' ? `by ${cell(t.key ?? '')}` : t.method} | ${t.chunks} | ${t.mismatches.length} |`,
    ),
  ];
  const differing = report.tables.filter((t) => t.mismatches.length > 0);
  if (differing.length > 0) {
    lines.push('', '## Differences by key range', '');
    for (const t of differing) {
      lines.push(
        `### ${t.table}`,
        '',
        '| from (inclusive) | to (exclusive) | source rows | target rows |',
        '|---|---|---:|---:|',
      );
      for (const m of t.mismatches)
        lines.push(
          `| ${m.from === null ? '(start)' : cell(m.from)} | ${m.to === null ? '(end)' : cell(m.to)} | ${m.sourceRows} | ${m.targetRows} |`,
        );
      lines.push('');
    }
  }
  lines.push('', '## Schema', '');
  if (!report.schema.compared) lines.push('Not compared (--no-schema).');
  else if (report.schema.differences.length === 0)
    lines.push(
      'Schemas, tables (RLS enabled and forced), columns, constraints, indexes, triggers, policies (command, roles, expressions), views, sequences, functions (security, settings, body), owners and grants (table, column, sequence, function, schema) match: source minus what `db schema` dropped on purpose.',
    );
  else {
    lines.push('| kind | object | problem | source | target |', '|---|---|---|---|---|');
    for (const d of report.schema.differences)
      lines.push(
        `| ${d.kind} | ${cell(d.object)} | ${d.problem} | ${cell(d.source ?? '')} | ${cell(d.target ?? '')} |`,
      );
  }
  if (report.schema.pendingCopy > 0)
    lines.push(
      '',
      `${report.schema.pendingCopy} key(s), index(es) or foreign key(s) set aside by \`db copy\` are not re-created yet: run \`supa2aws db copy\` again to finish.`,
    );
  if (!report.ok)
    lines.push(
      '',
      'To fix: re-run `supa2aws db copy` (it recopies every table whose digest differs), then `supa2aws db verify`.',
    );
  return `${lines.join('\n')}\n`;
}
