export { createApp, type AppDeps, type Authenticate } from './app.ts';
export {
  loadConfig,
  ConfigProblems,
  type BackendConfig,
  type BucketNames,
  type S3Settings,
  type WorkerSettings,
} from './config.ts';
export { createStorage, presignGet, presignPut, publicUrl, type Storage } from './storage.ts';
export { jsonLogger, silentLogger, type Logger } from './http.ts';
export {
  createVideoJobExecutor,
  videoKey,
  type JobOutcome,
  type StopResult,
  type VideoJobExecutor,
  type VideoJobExecutorDeps,
} from './worker/video-job-executor.ts';
export {
  LocalVideoProvider,
  localVideoChunks,
  type LocalVideoProviderOptions,
} from './worker/local-video-provider.ts';
export { Veo3Provider, type Veo3ProviderOptions } from './worker/veo3-provider.ts';
export type { GeneratedVideo, VideoJob, VideoProvider } from './worker/video-provider.ts';
