import type { Config } from '../../config/schema.ts';
import type { Reporter } from '../../core/reporter.ts';
import { defaultConnect, withClient, type ConnectFn } from '../../core/pg.ts';
import { runAppRole, type AppRoleResult } from './apply-app-role.ts';

/** `db app-role` from the config: db.appRole on target.db.url (the owner), away from auth's legacy store. */
export function runAppRoleFromConfig(
  config: Config,
  options: { dryRun?: boolean },
  deps: { reporter?: Reporter; connect?: ConnectFn } = {},
): Promise<AppRoleResult> {
  return withClient(deps.connect ?? defaultConnect, config.target.db.url, 'target', (client) =>
    runAppRole(client, {
      name: config.db.appRole.name,
      memberOf: config.db.appRole.memberOf,
      password: config.db.appRole.password,
      legacySchema: config.auth.legacySchema,
      migrateRole: config.auth.migrateRole,
      dryRun: options.dryRun === true,
      ...(deps.reporter ? { reporter: deps.reporter } : {}),
    }),
  );
}
