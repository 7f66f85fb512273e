export * from './phase-report.ts';
export * from './render-report.ts';
export * from './write-report.ts';
