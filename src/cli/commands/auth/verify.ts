import type { Command } from 'commander';
import { verifyAuthFromConfig, verifyReport, type VerifyResult } from '../../../auth/index.ts';
import { ConfigError } from '../../../core/errors.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action } from '../../context.ts';
import { table } from '../../render.ts';
import { reportDirOption } from './flags.ts';

function verifyText(r: VerifyResult): string {
  const lines = [
    `${r.total} Supabase users: ${r.counts.migrated} migrated, ${r.counts.pending} pending, ${r.counts['not-migratable']} not migratable, ${r.counts.unaccounted} unaccounted, ${r.counts.mismatch} mismatched`,
    table(
      ['status', 'users'],
      Object.entries(r.byDetail)
        .sort()
        .map(([k, v]) => [k, String(v)]),
    ),
    `pool ${r.userPoolId}: ${r.pool.users} users, ${r.pool.withoutSupabaseId} without a Supabase UUID, ${r.pool.unknownToStore} unknown to the legacy store${r.cognitoSubRecorded === null ? '' : `; cognito_sub recorded for ${r.cognitoSubRecorded} migrated`}`,
  ];
  for (const u of r.unaccounted.slice(0, 20)) lines.push(`  unaccounted ${u.id}: ${u.detail}`);
  for (const u of r.mismatched) lines.push(`  mismatch ${u.id}: ${u.detail}`);
  if (r.probe) {
    lines.push(
      `sign-in probe as ${r.probe.user}: ${r.probe.ok ? 'ok' : 'FAILED'}` +
        (r.probe.ok
          ? ` (tokens resolve to ${r.probe.resolvedUserId}${r.probe.wasInPool === false ? '; migrated by this sign-in' : ''})`
          : ` (${r.probe.error ?? r.probe.challenge})`),
    );
  }
  lines.push(
    r.ok
      ? 'every user accounted for'
      : r.counts.mismatch > 0
        ? 'NOT every user can sign in as their Supabase user (mismatches above)'
        : 'NOT every user is accounted for',
  );
  return lines.join('\n');
}

/** `auth verify [--probe-user <name>]`: every Supabase user accounted for (exit 1 if not). */
export function registerAuthVerify(auth: Command): void {
  auth
    .command('verify')
    .description('account for every Supabase user: migrated, pending, or not migratable with the reason')
    .option('--probe-user <name>', 'sign this user in over USER_PASSWORD_AUTH (email or phone)')
    .option('--probe-password-env <VAR>', 'environment variable holding the probe user’s password')
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { probeUser?: string; probePasswordEnv?: string; reportDir: string }) => {
        const { config } = await ctx.config();
        let probe: { username: string; password: string } | undefined;
        if (opts.probeUser) {
          const password = opts.probePasswordEnv ? process.env[opts.probePasswordEnv] : undefined;
          if (!password) {
            throw new ConfigError('AUTH_PROBE_PASSWORD', 'the probe needs a password from the environment', {
              exit: 'usage',
              hint: 'Pass --probe-password-env VAR with VAR set to the probe user’s password (never on the command line).',
            });
          }
          probe = { username: opts.probeUser, password };
        }
        let result: VerifyResult | undefined;
        const report = await timedReport('auth', 'verify', async () => {
          result = await verifyAuthFromConfig(
            config,
            { ...(probe ? { probe } : {}) },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          return verifyReport(result);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print(result, () => verifyText(result!));
        return result!.ok ? 0 : 1;
      }),
    );
}
