import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transformSchema } from '../../src/db/transform/transform.ts';

describe("a migration file's own transaction control", () => {
  it('is removed (begin, start transaction, commit, end, savepoint, release) and each removal is reported with file and line', async () => {
    const result = await transformSchema([
      {
        source: '20240101000000_a.sql',
        sql: 'begin;\ncreate table public.a (id int);\nsavepoint s;\nrelease savepoint s;\ncommit;\n',
      },
      { source: '20240102000000_b.sql', sql: 'START TRANSACTION;\ncreate table public.b (id int);\nEND;\n' },
    ]);
    const kept = result.decisions.filter((d) => d.action !== 'drop').map((d) => d.statement.text);
    assert.deepEqual(kept, ['create table public.a (id int)', 'create table public.b (id int)']);
    const warning = result.warnings.find((w) => w.code === 'DB_TRANSACTION_CONTROL_REMOVED');
    const objects = warning?.objects?.join('\n') ?? '';
    for (const at of ['20240101000000_a.sql:1', '20240101000000_a.sql:3', '20240101000000_a.sql:4'])
      assert.ok(objects.includes(at), `${at} in ${objects}`);
    for (const at of ['20240101000000_a.sql:5', '20240102000000_b.sql:1', '20240102000000_b.sql:3'])
      assert.ok(objects.includes(at), `${at} in ${objects}`);
    assert.deepEqual(result.blockers, []);
  });

  it('is refused with file and line where it undoes work (rollback, rollback to savepoint)', async () => {
    const result = await transformSchema([
      { source: '1_x.sql', sql: 'begin;\ncreate table public.t (id int);\nrollback;\n' },
    ]);
    const blocker = result.blockers.find((b) => b.code === 'DB_MIGRATION_TRANSACTION_CONTROL');
    assert.ok(
      blocker?.objects?.some((o) => o.includes('1_x.sql:3')),
      JSON.stringify(result.blockers),
    );
  });

  it('is told apart by the parser, not the text: a function body with begin/commit is kept', async () => {
    const result = await transformSchema([
      {
        source: '1_f.sql',
        sql: "create procedure public.p() language plpgsql as $$ begin commit; end $$;\ncomment on table pg_class is 'begin; commit;';\n",
      },
    ]);
    assert.equal(result.decisions.filter((d) => d.rule === 'transaction_control').length, 0);
  });
});
