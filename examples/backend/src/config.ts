/**
 * The backend's settings, from environment variables (which `loadSecrets` may have filled at boot).
 * Every problem is reported at once, naming the variable, the value seen and what is expected.
 */
import os from 'node:os';

export type Env = Readonly<Record<string, string | undefined>>;

export interface BucketNames {
  /** Private; read through presigned GET URLs. */
  videos: string;
  /** Public-read (or behind CloudFront). */
  images: string;
  /** Public-read (or behind CloudFront). */
  assetImages: string;
}

export interface S3Settings {
  region: string;
  /** Endpoint override (a local stand-in); AWS S3 when unset. */
  endpoint?: string;
  forcePathStyle?: boolean;
  buckets: BucketNames;
  /**
   * Per public bucket, the base URL serving its keys at the root: `${base}/${key}` (its CloudFront
   * distribution, or the bucket's own S3 URL), as the storage stack outputs them
   * (S3_IMAGES_PUBLIC_BASE_URL, S3_ASSET_IMAGES_PUBLIC_BASE_URL).
   * @default `https://<bucket>.s3.<region>.amazonaws.com/<key>`, or `<endpoint>/<bucket>/<key>` with an endpoint
   */
  publicBaseUrls?: Partial<Pick<BucketNames, 'images' | 'assetImages'>>;
  /** Lifetime of presigned URLs, in seconds. @default 900 */
  presignExpiresSeconds: number;
}

export interface WorkerSettings {
  /** Unique per process (shown in video_jobs.locked_by). @default `<hostname>:<pid>` */
  workerId: string;
  /** @default 10000 */
  pollIntervalMs: number;
  /** How long a claimed job stays ours without a heartbeat, in seconds. @default 300 */
  leaseSeconds: number;
  /** Attempts before a job is marked failed. @default 3 */
  maxAttempts: number;
  /** On SIGTERM, how long the current job may take to finish before it is released, in ms. @default 25000 (ECS stopTimeout 30 s) */
  stopTimeoutMs: number;
  /** `local` (deterministic demo bytes) or `veo3`. @default 'local' */
  provider: 'local' | 'veo3';
  /** The local provider's simulated render time, in ms (demo and tests). @default 0 */
  localDelayMs: number;
}

export interface BackendConfig {
  port: number;
  /** Origins allowed to call the API from a browser (`*` for any); none when unset. */
  corsOrigins: string[];
  s3: S3Settings;
  worker: WorkerSettings;
  /** Per-check limit of /health, in ms. @default 2000 */
  healthTimeoutMs: number;
}

export class ConfigProblems extends Error {
  readonly code = 'BACKEND_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`backend configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Reads the config from env; throws ConfigProblems listing every problem. */
export function loadConfig(env: Env = process.env): BackendConfig {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : fallback;
  };
  const required = (name: string, example: string): string => {
    const value = str(name);
    if (!value) problems.push(`${name} is not set; expected e.g. ${example}`);
    return value ?? '';
  };
  const int = (name: string, fallback: number, min: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${name} is ${JSON.stringify(raw)}; expected an integer >= ${min}`);
      return fallback;
    }
    return n;
  };
  const provider = str('VIDEO_PROVIDER', 'local');
  if (provider !== 'local' && provider !== 'veo3') {
    problems.push(`VIDEO_PROVIDER is ${JSON.stringify(provider)}; expected local or veo3`);
  }
  const endpoint = str('S3_ENDPOINT');
  const baseUrl = (name: string): string | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    if (!/^https?:\/\/[^/]/.test(value)) {
      problems.push(
        `${name} is ${JSON.stringify(value)}; expected a URL like https://d111111abcdef8.cloudfront.net`,
      );
      return undefined;
    }
    return value.replace(/\/+$/, '');
  };
  const imagesBase = baseUrl('S3_IMAGES_PUBLIC_BASE_URL');
  const assetImagesBase = baseUrl('S3_ASSET_IMAGES_PUBLIC_BASE_URL');
  const forcePathStyle = str('S3_FORCE_PATH_STYLE');
  const config: BackendConfig = {
    port: int('PORT', 3001, 1),
    corsOrigins: (str('CORS_ORIGINS') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    healthTimeoutMs: int('HEALTH_TIMEOUT_MS', 2000, 1),
    s3: {
      region: str('AWS_REGION') ?? str('AWS_DEFAULT_REGION') ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      ...(forcePathStyle ? { forcePathStyle: forcePathStyle === 'true' || forcePathStyle === '1' } : {}),
      buckets: {
        videos: required('S3_VIDEOS_BUCKET', 'aiuteur-videos'),
        images: required('S3_IMAGES_BUCKET', 'aiuteur-images'),
        assetImages: required('S3_ASSET_IMAGES_BUCKET', 'aiuteur-asset-images'),
      },
      ...(imagesBase || assetImagesBase
        ? {
            publicBaseUrls: {
              ...(imagesBase ? { images: imagesBase } : {}),
              ...(assetImagesBase ? { assetImages: assetImagesBase } : {}),
            },
          }
        : {}),
      presignExpiresSeconds: int('PRESIGN_EXPIRES_SECONDS', 900, 1),
    },
    worker: {
      workerId: str('WORKER_ID', `${os.hostname()}:${process.pid}`)!,
      pollIntervalMs: int('VIDEO_POLL_INTERVAL_MS', 10_000, 10),
      leaseSeconds: int('VIDEO_LEASE_SECONDS', 300, 1),
      maxAttempts: int('VIDEO_MAX_ATTEMPTS', 3, 1),
      stopTimeoutMs: int('WORKER_STOP_TIMEOUT_MS', 25_000, 0),
      provider: provider === 'veo3' ? 'veo3' : 'local',
      localDelayMs: int('LOCAL_VIDEO_DELAY_MS', 0, 0),
    },
  };
  if (!env.DATABASE_URL && !env.PGHOST)
    problems.push(
      'neither DATABASE_URL nor PGHOST is set; expected DATABASE_URL=postgres://user:password@host:5432/db, or PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD, or DATABASE_SECRET_ID (the app role secret) instead of PGPASSWORD, as the ECS task definition sets them',
    );
  if (problems.length) throw new ConfigProblems(problems);
  return config;
}
