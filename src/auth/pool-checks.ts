/**
 * Checks of the target pool and app client (`auth plan`, `auth verify`). Pure over DescribeUserPool and
 * DescribeUserPoolClient's output. What the emulator cannot tell is `unknown`, never `pass`.
 */
import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { SUPABASE_ID_ATTRIBUTE, type UserIdAttribute } from './user-id.ts';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'unknown';

export interface PoolCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface PoolCheckInput {
  pool: UserPoolType;
  client: UserPoolClientType;
  mode: UserIdAttribute;
  emulator: boolean;
  /** Whether any user signs in by phone only (then phone must be a sign-in attribute). */
  phoneUsers: boolean;
}

const EMULATOR = 'cognito-local does not implement this: check it on the real pool';

export function checkPool({ pool, client, mode, emulator, phoneUsers }: PoolCheckInput): PoolCheck[] {
  const checks: PoolCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string) => checks.push({ name, status, detail });
  const usernameAttrs = pool.UsernameAttributes ?? [];
  const aliasAttrs = pool.AliasAttributes ?? [];

  const caseSensitive = pool.UsernameConfiguration?.CaseSensitive;
  if (emulator) add('case-insensitive usernames', 'unknown', `${EMULATOR} (its lookups are case-sensitive)`);
  else if (caseSensitive === false)
    add('case-insensitive usernames', 'pass', 'UsernameConfiguration.CaseSensitive = false');
  else
    add(
      'case-insensitive usernames',
      'fail',
      'the pool is case-sensitive and cannot be changed: create a new pool with CaseSensitive = false',
    );

  const byEmail = usernameAttrs.includes('email') || aliasAttrs.includes('email');
  add(
    'sign-in by email',
    byEmail ? 'pass' : 'fail',
    byEmail
      ? `email is a ${usernameAttrs.includes('email') ? 'username' : 'alias'} attribute`
      : 'email is neither a username nor an alias attribute: users could not sign in with their email',
  );
  if (phoneUsers) {
    const byPhone = usernameAttrs.includes('phone_number') || aliasAttrs.includes('phone_number');
    add(
      'sign-in by phone',
      byPhone ? 'pass' : 'fail',
      byPhone
        ? 'phone_number is a sign-in attribute'
        : 'some users have only a phone: make phone_number a sign-in attribute',
    );
  }

  if (mode === SUPABASE_ID_ATTRIBUTE) {
    const attr = pool.SchemaAttributes?.find((a) => a.Name === SUPABASE_ID_ATTRIBUTE);
    if (!attr)
      add('Supabase UUID attribute', 'fail', `${SUPABASE_ID_ATTRIBUTE} is missing from the pool schema`);
    else if (attr.Mutable !== false)
      add('Supabase UUID attribute', 'fail', `${SUPABASE_ID_ATTRIBUTE} must be immutable (Mutable: false)`);
    else add('Supabase UUID attribute', 'pass', `${SUPABASE_ID_ATTRIBUTE}, immutable`);
    const write = client.WriteAttributes;
    if (write === undefined || write.includes(SUPABASE_ID_ATTRIBUTE)) {
      add(
        'UUID attribute not writable by the app client',
        'fail',
        `the app client may write ${SUPABASE_ID_ATTRIBUTE} (set WriteAttributes without it), so a sign-up could claim another user's UUID`,
      );
    } else add('UUID attribute not writable by the app client', 'pass', 'WriteAttributes leaves it out');
  } else {
    const chosen = usernameAttrs.length === 0;
    add(
      'Supabase UUID attribute',
      chosen ? 'pass' : 'fail',
      chosen
        ? 'usernames can be chosen: the username is the Supabase UUID (email/phone are aliases)'
        : `the pool uses ${usernameAttrs.join(', ')} as username attributes, so Cognito generates usernames: use auth.userIdAttribute = "${SUPABASE_ID_ATTRIBUTE}"`,
    );
  }

  const flows = client.ExplicitAuthFlows ?? [];
  const passwordAuth = flows.includes('ALLOW_USER_PASSWORD_AUTH') || flows.includes('USER_PASSWORD_AUTH');
  add(
    'ALLOW_USER_PASSWORD_AUTH on the app client',
    passwordAuth ? 'pass' : 'fail',
    passwordAuth
      ? 'the migrate-user trigger fires on USER_PASSWORD_AUTH sign-ins'
      : 'without it the trigger never fires (it does not on SRP): add ALLOW_USER_PASSWORD_AUTH for the migration window',
  );
  if (client.ClientSecret)
    add('app client without a secret', 'warn', 'a browser app cannot keep a client secret');

  if (emulator) {
    add(
      'migrate-user trigger attached',
      'unknown',
      'cognito-local reads triggers from .cognito/config.json, not the pool',
    );
  } else {
    const trigger = pool.LambdaConfig?.UserMigration;
    add(
      'migrate-user trigger attached',
      trigger ? 'pass' : 'fail',
      trigger ? `LambdaConfig.UserMigration = ${trigger}` : 'LambdaConfig.UserMigration is not set',
    );
  }

  if (emulator) add('self sign-up disabled during the window', 'unknown', EMULATOR);
  else if (pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly === true) {
    add('self sign-up disabled during the window', 'pass', 'AllowAdminCreateUserOnly = true');
  } else if (mode === 'username') {
    // The UUID must come from the migration: a sign-up choosing a pending user's UUID as its username would
    // be taken for that user by every resolver. The combination is refused, not warned about.
    add(
      'self sign-up disabled during the window',
      'fail',
      'auth.userIdAttribute is username and anyone can sign up: a sign-up choosing a not-yet-migrated user’s UUID as username would become that user. Set AllowAdminCreateUserOnly (infra: auth.selfSignUp = false), or use custom:supabase_id',
    );
  } else {
    add(
      'self sign-up disabled during the window',
      'warn',
      'anyone can sign up with a not-yet-migrated email, which stops that user from migrating: consider AllowAdminCreateUserOnly or a pre-sign-up check',
    );
  }
  return checks;
}
