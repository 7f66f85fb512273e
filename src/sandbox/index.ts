export * from './sandbox.ts';
export * from './status.ts';
export * from './sandbox-config.ts';
export type { PackagedExtensionState, SandboxState, PostgresState } from './state.ts';
export { readState } from './state.ts';
