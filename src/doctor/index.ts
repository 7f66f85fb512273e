export * from './doctor.ts';
export * from './types.ts';
export { classifyHost } from './service-checks.ts';
export { credentialSource } from './tool-checks.ts';
