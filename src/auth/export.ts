/**
 * `supa2aws auth export`: writes the legacy credential store into the target (see legacy-store.ts),
 * from the source's auth.users and auth.identities. Converges: a re-run updates changed users, removes
 * users gone from the source, and leaves the rest; all of it in one transaction, so the Lambda sees the
 * old store or the new one, never half of each. Never prints a hash.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { AuthError, InterruptedError } from '../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import { classifyUser, type Outcome, type UserKind } from './classify.ts';
import { defaultConnect, inReadOnlySnapshot, inTransaction, withClient, type ConnectFn } from '../core/pg.ts';
import {
  checkStorePrivileges,
  ensureLegacyStore,
  storeRow,
  sweepRows,
  upsertRows,
  type PrivilegeCheck,
  type RoleResult,
} from './legacy-store.ts';
import { readDuplicateEmails, readSourceUsers } from './source-users.ts';

export interface ExportOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** @default () => new Date() */
  now?: () => Date;
  /** Users per statement. @default 500 */
  batchSize?: number;
  connect?: ConnectFn;
}

export interface ExportResult {
  version: 1;
  schema: string;
  table: string;
  role: RoleResult;
  users: { total: number; inserted: number; updated: number; unchanged: number; removed: number };
  byKind: Partial<Record<UserKind, number>>;
  byOutcome: Partial<Record<Outcome, number>>;
  /** Who can read the store: PUBLIC and the app roles must not, the Lambda's role must. */
  privileges: PrivilegeCheck[];
  warnings: string[];
}

export async function exportLegacyStore(options: ExportOptions): Promise<ExportResult> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const connect = options.connect ?? defaultConnect;
  const now = (options.now ?? (() => new Date()))();
  const settings = {
    schema: config.auth.legacySchema,
    role: config.auth.migrateRole,
    rolePassword: config.auth.migrateRolePassword,
    appRoles: config.auth.appRoles,
  };
  const run = randomUUID();
  const result: ExportResult = {
    version: 1,
    schema: settings.schema,
    table: `${settings.schema}.users`,
    role: { name: settings.role, created: false, passwordSet: false },
    users: { total: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 },
    byKind: {},
    byOutcome: {},
    privileges: [],
    warnings: [],
  };

  await withClient(connect, config.source.db.url, 'source', (source) =>
    withClient(connect, config.target.db.url, 'target', async (target) => {
      // One snapshot of the source, one transaction on the target.
      await inReadOnlySnapshot(source, async () => {
        await inTransaction(target, async () => {
          result.role = await step(
            reporter,
            `legacy store ${settings.schema}.users and role ${settings.role}`,
            () => ensureLegacyStore(target, settings),
          );
          const duplicateEmails = await readDuplicateEmails(source);
          await step(reporter, 'export users', async () => {
            for await (const batch of readSourceUsers(source, options.batchSize ?? 500)) {
              if (options.signal?.aborted) throw new InterruptedError('auth export');
              const rows = batch.map((user) => {
                const c = classifyUser(user, {
                  now,
                  duplicateEmails,
                  migrateUnconfirmed: config.auth.migrateUnconfirmed,
                });
                result.byKind[c.kind] = (result.byKind[c.kind] ?? 0) + 1;
                result.byOutcome[c.outcome] = (result.byOutcome[c.outcome] ?? 0) + 1;
                return storeRow(user, c);
              });
              const counts = await upsertRows(target, settings.schema, rows, run);
              result.users.total += rows.length;
              result.users.inserted += counts.inserted;
              result.users.updated += counts.updated;
              result.users.unchanged += counts.unchanged;
              reporter.emit({
                type: 'progress',
                task: 'export users',
                done: result.users.total,
                unit: 'users',
              });
            }
          });
          result.users.removed = await sweepRows(target, settings.schema, run);
          result.privileges = await checkStorePrivileges(target, settings);
          const exposed = result.privileges.filter((p) => !p.ok);
          if (exposed.length > 0) {
            throw new AuthError(
              'AUTH_STORE_EXPOSED',
              `the legacy credential store would be readable by the wrong roles: ${exposed
                .map((p) => `${p.role} (${p.canRead ? 'can' : 'cannot'} read)`)
                .join(', ')}`,
              {
                exit: 'permission',
                hint: `Find the grant (\\dp ${settings.schema}.users) or role membership giving access, remove it, and run \`supa2aws auth export\` again.`,
                details: { privileges: exposed },
              },
            );
          }
        });
      });
    }),
  );

  if (!result.role.passwordSet) {
    result.warnings.push(
      `role ${settings.role} has no password set by this run: set auth.migrateRolePassword (\${SUPA2AWS_MIGRATE_USER_PASSWORD}) or ALTER ROLE it, and give the Lambda the same credentials (LEGACY_DB_SECRET_ARN).`,
    );
  }
  for (const warning of result.warnings) log.warn(warning);
  log.info(
    `exported ${result.users.total} users: ${result.users.inserted} new, ${result.users.updated} changed, ${result.users.unchanged} unchanged, ${result.users.removed} removed`,
  );
  return result;
}
