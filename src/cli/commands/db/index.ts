/**
 * `db`, phase 2: the command group, one file per subcommand (cutover.ts has cutover and rollback;
 * replicate/ the `db replicate` group).
 */
import type { Command } from 'commander';
import { registerDbAppRole } from './app-role.ts';
import { registerDbCopy } from './copy.ts';
import { registerDbCutover, registerDbRollback } from './cutover.ts';
import { registerDbPlan } from './plan.ts';
import { registerDbReplicate } from './replicate/index.ts';
import { registerDbSchema } from './schema.ts';
import { registerDbVerify } from './verify.ts';

export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('phase 2: the database — plan, schema, copy, verify; replicate, cutover, rollback');
  registerDbPlan(db);
  registerDbSchema(db);
  registerDbCopy(db);
  registerDbVerify(db);
  registerDbAppRole(db);
  registerDbReplicate(db);
  registerDbCutover(db);
  registerDbRollback(db);
}
