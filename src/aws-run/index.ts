export * from './aws-run.ts';
export * from './clients.ts';
export * from './errors.ts';
export * from './in-task.ts';
export * from './run-contract.ts';
export * from './run-files.ts';
export * from './run-target.ts';
export * from './run-task-request.ts';
