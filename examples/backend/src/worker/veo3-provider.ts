import type { GeneratedVideo, VideoJob, VideoProvider } from './video-provider.ts';

export interface Veo3ProviderOptions {
  /** Google Cloud project that has the Vertex AI API enabled. */
  projectId: string;
  /** @default 'us-central1' */
  location?: string;
  /** A Veo model ID available to the project, e.g. 'veo-3.0-generate-001'. */
  model?: string;
  /**
   * The service-account key JSON (GOOGLE_APPLICATION_CREDENTIALS content, kept in Secrets Manager and
   * loaded at boot by @supa2aws/runtime/secrets), never a file baked into the image.
   */
  credentialsJson?: string;
  /** Seconds of video. @default 8 */
  durationSeconds?: number;
}

/**
 * Where Aiuteur's Veo3Provider plugs in. This repository does not call Google (no credentials, no network
 * in tests); `generate` throws until the call below is written. What it has to do, per the Vertex AI Veo
 * REST reference:
 *  1. Get an OAuth access token for the service account (google-auth-library, scope cloud-platform).
 *  2. POST https://{location}-aiplatform.googleapis.com/v1/projects/{projectId}/locations/{location}/
 *     publishers/google/models/{model}:predictLongRunning  with {instances: [{prompt: job.prompt}],
 *     parameters: {durationSeconds, sampleCount: 1, aspectRatio}} — it returns an operation name.
 *  3. Poll the operation (`:fetchPredictOperation` with {operationName}) every few seconds, honouring
 *     `signal`, until `done`; a Veo render takes minutes, which the executor's lease heartbeat allows for.
 *  4. Return the video as a stream: base64 bytes from the response decoded chunk by chunk, or, when a
 *     `storageUri` (gs://...) was given, a streamed download of that object. The executor uploads it to
 *     the videos bucket under the job's deterministic key; what used to go to Supabase Storage goes to S3.
 */
export class Veo3Provider implements VideoProvider {
  readonly name = 'veo3';
  /** The settings, without the credentials (kept in a private field, never logged). */
  readonly options: Readonly<Omit<Veo3ProviderOptions, 'credentialsJson'>>;
  readonly #credentialsJson: string | undefined;

  constructor(options: Veo3ProviderOptions) {
    if (!options.projectId) throw new Error('Veo3Provider needs projectId (GOOGLE_CLOUD_PROJECT)');
    const { credentialsJson, ...rest } = options;
    this.options = Object.freeze(rest);
    this.#credentialsJson = credentialsJson;
  }

  /** Whether credentials were given (step 1 uses them). */
  get hasCredentials(): boolean {
    return this.#credentialsJson !== undefined;
  }

  async generate(_job: VideoJob, _options: { signal: AbortSignal }): Promise<GeneratedVideo> {
    throw Object.assign(
      new Error('Veo3Provider.generate is a stub: write the Vertex AI call described in veo3-provider.ts'),
      {
        code: 'VEO3_NOT_IMPLEMENTED',
      },
    );
  }
}
