export { copyOneObject } from './copy-one-object.ts';
export type { CopiedObject, CopyObjectDeps, InFlight } from './copy-job.ts';
export { removeWritten } from './remove-written.ts';
