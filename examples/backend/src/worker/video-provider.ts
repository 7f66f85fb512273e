import type { Readable } from 'node:stream';

/** A claimed row of public.video_jobs, as the provider sees it. */
export interface VideoJob {
  id: string;
  projectId: string;
  sceneId: string | null;
  userId: string;
  prompt: string;
  /** 1 on the first try. */
  attempts: number;
}

export interface GeneratedVideo {
  /** The video bytes, streamed (never held whole for real providers). */
  body: Readable | Uint8Array;
  /** @default 'video/mp4' */
  contentType?: string;
  /** When known, lets the upload be a single PUT of exactly this size. */
  contentLength?: number;
}

/**
 * Where video generation plugs in. The executor calls `generate` once per claimed job and streams the
 * result to S3. Implementations must stop and throw when `signal` aborts (shutdown, lost lease).
 */
export interface VideoProvider {
  readonly name: string;
  generate(job: VideoJob, options: { signal: AbortSignal }): Promise<GeneratedVideo>;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
