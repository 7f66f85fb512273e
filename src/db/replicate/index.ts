export { startReplication, type StartReplicationOptions, type StartReplicationResult } from './start.ts';
export { replicationStatus, type ReplicationStatus, type ReplicationStatusOptions } from './status.ts';
export { stopReplication, type StopReplicationOptions, type StopReplicationResult } from './stop.ts';
export { cutover, undoCutoverFreeze, type CutoverOptions, type CutoverResult } from './cutover.ts';
export { replicationNames, REPLICATION_PREFIX, isPoolerUrl } from './names.ts';
export {
  startWriter,
  checkLedger,
  type Writer,
  type WriterStats,
  type Ledger,
  type LedgerCheck,
} from './writer.ts';
export { cutoverPhaseReport, replicateStartPhaseReport } from './reports.ts';
export * from './from-config.ts';
