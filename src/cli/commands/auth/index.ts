/** `auth`, phase 3: the command group, one file per subcommand. */
import type { Command } from 'commander';
import { registerAuthExport } from './export.ts';
import { registerAuthImport } from './import.ts';
import { registerAuthPlan } from './plan.ts';
import { registerAuthRelink } from './relink.ts';
import { registerAuthRollback } from './rollback.ts';
import { registerAuthVerify } from './verify.ts';

export function registerAuth(program: Command): void {
  const auth = program
    .command('auth')
    .description('phase 3: Supabase Auth users to Cognito, keeping their passwords and user IDs');
  registerAuthPlan(auth);
  registerAuthExport(auth);
  registerAuthImport(auth);
  registerAuthRelink(auth);
  registerAuthVerify(auth);
  registerAuthRollback(auth);
}
