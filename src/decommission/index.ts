export * from './decommission-check.ts';
export * from './source-connections.ts';
export * from './task-definitions.ts';
