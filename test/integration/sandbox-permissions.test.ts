/**
 * GIVEN a running sandbox
 * THEN its state directory and every stand-in's own directory (cognito-local's data holds migrated users'
 *   passwords in clear; the Lambda stand-in's routes hold database URLs) are 0700, while PostgreSQL still
 *   runs as the OS user `postgres` from the 0755 data directory beside them.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lambdaDir } from '../../src/sandbox/cognito-triggers.ts';
import { STATE_FILE } from '../../src/sandbox/state.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('sandbox: file permissions', () => {
  it('keeps its state and the stand-ins’ data readable by this user only', async () => {
    const { state } = await getTestSandbox();
    for (const dir of [
      state.stateDir,
      state.cognito!.dir,
      state.sourceS3!.dir,
      state.targetS3!.dir,
      lambdaDir(state.dataDir),
    ]) {
      assert.equal(mode(dir), '700', dir);
    }
    assert.equal(mode(path.join(state.stateDir, STATE_FILE)), '600');
    assert.equal(mode(state.dataDir), '755', 'postgres reaches its cluster through the data dir');
  });
});
