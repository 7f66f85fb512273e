/**
 * Transaction control in a migration file (`begin;`, `commit;`, `end;`, savepoints...) would end the single
 * transaction the schema is applied in, so a failure half-way would leave objects behind with no record.
 * Read from the parse tree (a TransactionStmt), never from the text.
 */
import type { SqlStatement } from './split.ts';

/** Statements that only open, close or mark the file's own transaction: removing them changes nothing applied. */
const REMOVABLE = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_SAVEPOINT',
  'TRANS_STMT_RELEASE',
]);

/**
 * `remove` for statements that only delimit the file's transaction; `refuse` for those that undo or hand off
 * work (`rollback`, `rollback to savepoint`, two-phase commit): removing them would apply what the file
 * undoes on Supabase. Undefined for any other statement.
 */
export function transactionControl(statement: SqlStatement): 'remove' | 'refuse' | undefined {
  if (statement.node !== 'TransactionStmt') return undefined;
  return REMOVABLE.has(String(statement.ast.kind)) ? 'remove' : 'refuse';
}
