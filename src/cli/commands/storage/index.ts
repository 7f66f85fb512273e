/** `storage`, phase 1: the command group, one file per subcommand (urls.ts has rewrite-urls and restore-urls). */
import type { Command } from 'commander';
import { registerStorageCopy } from './copy.ts';
import { registerStoragePlan } from './plan.ts';
import { registerStorageSetup } from './setup.ts';
import { registerStorageRestoreUrls, registerStorageRewriteUrls } from './urls.ts';
import { registerStorageVerify } from './verify.ts';

export function registerStorage(program: Command): void {
  const storage = program
    .command('storage')
    .description('phase 1: Supabase Storage → S3 — plan, setup, copy, verify, rewrite-urls, restore-urls');
  registerStoragePlan(storage);
  registerStorageSetup(storage);
  registerStorageCopy(storage);
  registerStorageVerify(storage);
  registerStorageRewriteUrls(storage);
  registerStorageRestoreUrls(storage);
}
