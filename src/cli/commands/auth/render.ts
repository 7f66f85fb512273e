/** Text shared by several `auth` subcommands: the plan (`plan`, `export --dry-run`) and a count of users. */
import { BCRYPT_COST_RANGE, type AuthPlan } from '../../../auth/index.ts';
import { table } from '../../render.ts';

const MARK = { pass: 'ok', fail: 'FAIL', warn: 'warn', unknown: '?' } as const;

/** The users by kind and what happens to each, case-duplicate emails, and the target pool checks. */
export function planText(plan: AuthPlan): string {
  const lines = [
    `${plan.users.total} Supabase users (${plan.users.withPassword} with a password, ${plan.users.phoneOnly} by phone only); the UUID goes in ${plan.userIdAttribute}`,
    '',
    table(
      ['kind', 'users', 'outcome', 'what happens'],
      plan.kinds.map((k) => [k.kind, String(k.count), k.outcome, k.what]),
    ),
  ];
  if (plan.users.bcryptCostOutOfRange > 0) {
    lines.push(
      '',
      `${plan.users.bcryptCostOutOfRange} users have a bcrypt cost outside ${BCRYPT_COST_RANGE.min}–${BCRYPT_COST_RANGE.max}: the migrate-user Lambda refuses their sign-in (they reset their password)`,
    );
  }
  if (plan.caseDuplicates.length > 0) {
    lines.push('', 'emails equal except for case:');
    for (const group of plan.caseDuplicates) {
      const who = group.users.map((u) => `${u.id}${u.sso ? ' (SSO)' : ''}${u.deleted ? ' (deleted)' : ''}`);
      lines.push(`  ${group.email}: ${who.join(', ')}`);
    }
  }
  lines.push(
    '',
    `target pool ${plan.pool.userPoolId ?? '(not configured)'}${plan.pool.emulator ? ' (cognito-local: ? = only a real pool can tell)' : ''}:`,
    table(
      ['check', 'result', 'detail'],
      plan.pool.checks.map((c) => [c.name, MARK[c.status], c.detail]),
    ),
  );
  return lines.join('\n');
}

/** `1 user`, `2 users`. */
export const users = (n: number) => `${n} user${n === 1 ? '' : 's'}`;
