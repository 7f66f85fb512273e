/**
 * `storage setup`: the target buckets with the access the config gives them. Idempotent: each setting is
 * read first and written only when it differs. Settings the endpoint does not implement (s3rver: bucket
 * policies, public access blocks, versioning) are reported as such, never as done.
 *
 * The buckets have one owner. On AWS S3 it is the Storage stack (infra/, `cdk deploy <prefix>-Storage`):
 * setup only checks the stack's buckets (`owner: 'stack'`) — it refuses to create one, which would block the
 * stack's deploy by name, and writes no setting, which the next deploy would revert — and reports each
 * setting that differs from the config. Against another endpoint (the sandbox's s3rver, MinIO) nothing else
 * makes buckets, so setup creates and configures them (`owner: 'setup'`).
 */
import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type CORSRule,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageError } from '../core/errors.ts';
import { isUnreachable, unreachableReason } from '../core/outage.ts';
import { logger, silentReporter, type Reporter } from '../core/reporter.ts';
import type { BucketMapping, StorageConfig } from './config.ts';
import { fatalS3Error, httpStatus, isNotImplemented, s3ErrorName } from './s3-errors.ts';

export type SetupStatus =
  | 'created'
  | 'exists'
  | 'applied'
  | 'unchanged'
  | 'would-apply'
  | 'not-supported'
  | 'manual'
  /** owner 'stack': the bucket's setting differs from the config; the stack's settings decide it. */
  | 'differs'
  /** owner 'stack': the bucket is not there (the Storage stack is not deployed, or names differ). */
  | 'missing';

/** Who makes and configures the target buckets: the Storage stack (AWS S3) or `storage setup` (any other endpoint). */
export type BucketOwner = 'stack' | 'setup';

/** AWS S3 itself (no endpoint, or an amazonaws.com one) is the Storage stack's; anything else is setup's. */
export function bucketOwnerFor(endpoint: string | undefined): BucketOwner {
  if (!endpoint) return 'stack';
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname) ? 'stack' : 'setup';
  } catch {
    return 'setup';
  }
}

export interface SetupAction {
  setting: 'bucket' | 'public-access-block' | 'bucket-policy' | 'cors' | 'versioning';
  status: SetupStatus;
  detail?: string;
}

export interface BucketSetup {
  source: string;
  target: string;
  access: BucketMapping['access'];
  actions: SetupAction[];
}

export interface StorageSetupResult {
  version: 1;
  dryRun: boolean;
  owner: BucketOwner;
  buckets: BucketSetup[];
  /** Settings the endpoint could not take: the target is not what the config describes. */
  notSupported: number;
  /** Steps left to the user (e.g. granting a CloudFront distribution read access). */
  manual: number;
  /** owner 'stack': settings of the stack's buckets that differ from the config. */
  differs: number;
}

export interface SetupStorageInput {
  target: S3Client;
  buckets: Record<string, BucketMapping>;
  region: string;
  cors: StorageConfig['cors'];
  versioning: boolean;
  /** 'stack': check only, never create or write (AWS S3, where the Storage stack owns the buckets). @default 'setup' */
  owner?: BucketOwner;
  dryRun?: boolean;
  reporter?: Reporter;
}

const NOT_SUPPORTED = 'not supported by this endpoint';
const SID_PUBLIC = 'Supa2awsPublicRead';
const SID_TLS = 'Supa2awsDenyInsecureTransport';

interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

/**
 * A public-read bucket served straight from S3 (no publicBaseUrl, or one on the bucket's own S3 host, as the
 * Storage stack's bucket-policy mode gives): readable through its bucket policy. One served from another
 * base URL (a CloudFront distribution) stays private.
 */
export function publicByPolicy(mapping: BucketMapping): boolean {
  if (mapping.access !== 'public-read') return false;
  if (!mapping.publicBaseUrl) return true;
  try {
    return /(^|\.)s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/i.test(new URL(mapping.publicBaseUrl).hostname);
  } catch {
    return false;
  }
}

/** Block Public Access: everything blocked, except bucket policies for public-read buckets served from S3. */
export function publicAccessBlockFor(mapping: BucketMapping): PublicAccessBlockConfiguration {
  const publicPolicy = publicByPolicy(mapping);
  return {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: !publicPolicy,
    RestrictPublicBuckets: !publicPolicy,
  };
}

/** Our statements: TLS only for every bucket, plus anonymous GetObject for public-read buckets on S3. */
export function policyStatementsFor(mapping: BucketMapping): PolicyStatement[] {
  const arn = `arn:aws:s3:::${mapping.target}`;
  const statements: PolicyStatement[] = [
    {
      Sid: SID_TLS,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ];
  if (publicByPolicy(mapping)) {
    statements.push({
      Sid: SID_PUBLIC,
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${arn}/*`,
    });
  }
  return statements;
}

/** Merges our statements into an existing policy by Sid, keeping everyone else's. */
export function mergePolicy(
  existing: string | undefined,
  ours: PolicyStatement[],
): { Version: string; Statement: PolicyStatement[] } {
  const parsed = existing
    ? (JSON.parse(existing) as { Statement?: PolicyStatement[] | PolicyStatement })
    : {};
  const theirs = ([] as PolicyStatement[])
    .concat(parsed.Statement ?? [])
    .filter((s) => s.Sid !== SID_PUBLIC && s.Sid !== SID_TLS);
  return { Version: '2012-10-17', Statement: [...theirs, ...ours] };
}

/**
 * What a policy grants, whoever wrote it (the stack's statements have other Sids than ours): a Deny of
 * requests without TLS, and whether anyone may GetObject.
 */
export function policyEffect(policy: string | undefined): { tlsOnly: boolean; publicRead: boolean } {
  const statements = policy
    ? ([] as PolicyStatement[]).concat(
        (JSON.parse(policy) as { Statement?: PolicyStatement[] | PolicyStatement }).Statement ?? [],
      )
    : [];
  const list = (v: unknown) => ([] as unknown[]).concat(v ?? []).map(String);
  const anyone = (p: unknown) => p === '*' || list((p as { AWS?: unknown } | undefined)?.AWS).includes('*');
  return {
    tlsOnly: statements.some(
      (st) =>
        st.Effect === 'Deny' && JSON.stringify(st.Condition ?? {}).includes('"aws:SecureTransport":"false"'),
    ),
    publicRead: statements.some(
      (st) =>
        st.Effect === 'Allow' &&
        anyone(st.Principal) &&
        list(st.Action).some((a) => a === 's3:GetObject' || a === 's3:*' || a === '*') &&
        st.Condition === undefined,
    ),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function corsRulesFor(cors: StorageConfig['cors']): CORSRule[] {
  return [
    {
      ID: 'supa2aws-browser-uploads',
      AllowedOrigins: cors.allowedOrigins,
      AllowedMethods: cors.allowedMethods,
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: cors.maxAgeSeconds,
    },
  ];
}

/**
 * What setup throws for a request that failed, `action` saying what it was doing (`checking the bucket`):
 * bad credentials, permissions and missing buckets as every storage command says them; an endpoint that
 * refuses the connection or does not answer as STORAGE_TARGET_UNREACHABLE; anything else as
 * STORAGE_SETUP_FAILED. Each an environment or permission error with a hint, never a bug.
 */
function setupError(error: unknown, bucket: string, action: string): StorageError {
  const fatal = fatalS3Error(error, { side: 'target', bucket, action });
  if (fatal) return fatal;
  if (isUnreachable(error)) {
    return new StorageError(
      'STORAGE_TARGET_UNREACHABLE',
      `The target S3 endpoint did not answer while ${action} (bucket ${bucket}): ${unreachableReason(error)}`,
      {
        exit: 'environment',
        cause: error,
        details: { side: 'target', bucket },
        hint: 'Check target.s3.endpoint and the network (`supa2aws doctor` checks every endpoint), then run `supa2aws storage setup` again.',
      },
    );
  }
  return new StorageError(
    'STORAGE_SETUP_FAILED',
    `The target S3 endpoint failed while ${action} (bucket ${bucket}): ${s3ErrorName(error)}: ${(error as Error).message}`,
    {
      cause: error,
      hint: 'Fix the cause and run `supa2aws storage setup` again: it only changes what differs.',
    },
  );
}

class BucketSetter {
  readonly actions: SetupAction[] = [];

  constructor(
    private readonly input: SetupStorageInput,
    private readonly mapping: BucketMapping,
  ) {}

  private get bucket() {
    return this.mapping.target;
  }

  private record(setting: SetupAction['setting'], status: SetupStatus, detail?: string) {
    this.actions.push(detail ? { setting, status, detail } : { setting, status });
  }

  /** Runs one setting; unimplemented endpoints become 'not-supported', permissions and such throw. */
  private async setting(setting: SetupAction['setting'], fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (isNotImplemented(error)) {
        this.record(setting, 'not-supported', NOT_SUPPORTED);
        return;
      }
      throw setupError(error, this.bucket, `setting ${setting}`);
    }
  }

  async bucketExists(): Promise<boolean> {
    try {
      await this.input.target.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (error) {
      if (
        httpStatus(error) === 404 ||
        s3ErrorName(error) === 'NotFound' ||
        s3ErrorName(error) === 'NoSuchBucket'
      )
        return false;
      throw setupError(error, this.bucket, 'checking the bucket');
    }
  }

  async ensureBucket(): Promise<boolean> {
    if (await this.bucketExists()) {
      this.record('bucket', 'exists');
      return true;
    }
    if (this.input.owner === 'stack') {
      this.record('bucket', 'missing', 'the Storage stack makes it: cdk deploy <prefix>-Storage');
      return false;
    }
    if (this.input.dryRun) {
      this.record('bucket', 'would-apply', 'create');
      return false;
    }
    try {
      await this.input.target.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          ...(this.input.region && this.input.region !== 'us-east-1'
            ? {
                CreateBucketConfiguration: {
                  LocationConstraint: this.input.region as BucketLocationConstraint,
                },
              }
            : {}),
        }),
      );
      this.record('bucket', 'created');
    } catch (error) {
      const name = s3ErrorName(error);
      if (name === 'BucketAlreadyOwnedByYou') {
        this.record('bucket', 'exists');
      } else if (name === 'BucketAlreadyExists') {
        throw new StorageError(
          'STORAGE_BUCKET_NAME_TAKEN',
          `The bucket name ${this.bucket} belongs to another AWS account`,
          {
            exit: 'usage',
            hint: 'Bucket names are global: choose another target name in storage.buckets of the config.',
          },
        );
      } else {
        throw setupError(error, this.bucket, 'creating the bucket');
      }
    }
    return true;
  }

  /**
   * Writes a setting when it differs, then reads it back: an endpoint that accepts a request without
   * applying it (s3rver takes `PUT ?versioning` for CreateBucket) is reported as not supporting it.
   */
  private async apply(
    setting: SetupAction['setting'],
    same: boolean,
    put: () => Promise<unknown>,
    detail: string | undefined,
    readBack: () => Promise<boolean>,
  ): Promise<void> {
    if (same) {
      this.record(setting, 'unchanged', detail);
      return;
    }
    if (this.input.owner === 'stack') {
      this.record(setting, 'differs', `${detail ?? setting} wanted; the Storage stack's settings decide it`);
      return;
    }
    if (this.input.dryRun) {
      this.record(setting, 'would-apply', detail);
      return;
    }
    try {
      await put();
    } catch (error) {
      const name = s3ErrorName(error);
      if (name === 'BucketAlreadyExists' || name === 'BucketAlreadyOwnedByYou') {
        this.record(setting, 'not-supported', `${NOT_SUPPORTED} (it took the request for CreateBucket)`);
        return;
      }
      throw error;
    }
    if (await readBack().catch(() => false)) this.record(setting, 'applied', detail);
    else
      this.record(
        setting,
        'not-supported',
        `${NOT_SUPPORTED} (accepted, but reading it back shows it was not applied)`,
      );
  }

  publicAccessBlock() {
    return this.setting('public-access-block', async () => {
      const wanted = publicAccessBlockFor(this.mapping);
      let current: PublicAccessBlockConfiguration | undefined;
      try {
        current = (await this.input.target.send(new GetPublicAccessBlockCommand({ Bucket: this.bucket })))
          .PublicAccessBlockConfiguration;
      } catch (error) {
        if (s3ErrorName(error) !== 'NoSuchPublicAccessBlockConfiguration') throw error;
      }
      const detail = wanted.BlockPublicPolicy
        ? 'all public access blocked'
        : 'public bucket policy allowed, ACLs blocked';
      await this.apply(
        'public-access-block',
        sameJson(current, wanted),
        () =>
          this.input.target.send(
            new PutPublicAccessBlockCommand({ Bucket: this.bucket, PublicAccessBlockConfiguration: wanted }),
          ),
        detail,
        async () =>
          sameJson(
            (await this.input.target.send(new GetPublicAccessBlockCommand({ Bucket: this.bucket })))
              .PublicAccessBlockConfiguration,
            wanted,
          ),
      );
    });
  }

  policy() {
    return this.setting('bucket-policy', async () => {
      let existing: string | undefined;
      try {
        existing = (await this.input.target.send(new GetBucketPolicyCommand({ Bucket: this.bucket }))).Policy;
      } catch (error) {
        if (s3ErrorName(error) !== 'NoSuchBucketPolicy') throw error;
      }
      const wanted = mergePolicy(existing, policyStatementsFor(this.mapping));
      const detail = publicByPolicy(this.mapping)
        ? 'public-read (s3:GetObject for everyone), TLS only'
        : 'TLS only, no public read';
      const effect = policyEffect(existing);
      const wantedEffect = policyEffect(JSON.stringify(wanted));
      await this.apply(
        'bucket-policy',
        this.input.owner === 'stack'
          ? effect.tlsOnly && effect.publicRead === wantedEffect.publicRead
          : existing !== undefined && sameJson(JSON.parse(existing), wanted),
        () =>
          this.input.target.send(
            new PutBucketPolicyCommand({ Bucket: this.bucket, Policy: JSON.stringify(wanted) }),
          ),
        detail,
        async () => {
          const policy = (await this.input.target.send(new GetBucketPolicyCommand({ Bucket: this.bucket })))
            .Policy;
          return policy !== undefined && sameJson(JSON.parse(policy), wanted);
        },
      );
      if (
        this.mapping.access === 'public-read' &&
        !publicByPolicy(this.mapping) &&
        this.input.owner !== 'stack'
      ) {
        this.record(
          'bucket-policy',
          'manual',
          `served from ${this.mapping.publicBaseUrl}: allow that CloudFront distribution's origin access control s3:GetObject on ${this.bucket}/* (infra/ does this)`,
        );
      }
    });
  }

  cors() {
    return this.setting('cors', async () => {
      let current: CORSRule[] | undefined;
      try {
        current = (await this.input.target.send(new GetBucketCorsCommand({ Bucket: this.bucket }))).CORSRules;
      } catch (error) {
        if (s3ErrorName(error) !== 'NoSuchCORSConfiguration') throw error;
      }
      const wanted = corsRulesFor(this.input.cors);
      const strip = (rules: CORSRule[] | undefined) =>
        (rules ?? []).map((r) => ({
          ...r,
          ID: undefined,
          AllowedMethods: [...(r.AllowedMethods ?? [])].sort(),
        }));
      await this.apply(
        'cors',
        sameJson(strip(current), strip(wanted)),
        () =>
          this.input.target.send(
            new PutBucketCorsCommand({ Bucket: this.bucket, CORSConfiguration: { CORSRules: wanted } }),
          ),
        `${this.input.cors.allowedMethods.join(', ')} from ${this.input.cors.allowedOrigins.join(', ')}`,
        async () =>
          sameJson(
            strip(
              (await this.input.target.send(new GetBucketCorsCommand({ Bucket: this.bucket }))).CORSRules,
            ),
            strip(wanted),
          ),
      );
    });
  }

  versioning() {
    if (!this.input.versioning) {
      this.record('versioning', 'unchanged', 'not requested (storage.versioning is false)');
      return Promise.resolve();
    }
    return this.setting('versioning', async () => {
      const current = await this.input.target.send(new GetBucketVersioningCommand({ Bucket: this.bucket }));
      await this.apply(
        'versioning',
        current.Status === 'Enabled',
        () =>
          this.input.target.send(
            new PutBucketVersioningCommand({
              Bucket: this.bucket,
              VersioningConfiguration: { Status: 'Enabled' },
            }),
          ),
        'enabled',
        async () =>
          (await this.input.target.send(new GetBucketVersioningCommand({ Bucket: this.bucket }))).Status ===
          'Enabled',
      );
    });
  }
}

/**
 * owner 'setup': creates missing target buckets and applies access, CORS and versioning from config.
 * owner 'stack': checks the stack's buckets against the config without writing; a missing one is an error.
 */
export async function setupStorage(input: SetupStorageInput): Promise<StorageSetupResult> {
  const log = logger(input.reporter ?? silentReporter);
  const buckets: BucketSetup[] = [];
  for (const [source, mapping] of Object.entries(input.buckets)) {
    const setter = new BucketSetter(input, mapping);
    if (await setter.ensureBucket()) {
      await setter.publicAccessBlock();
      await setter.policy();
      await setter.cors();
      await setter.versioning();
    }
    for (const a of setter.actions.filter((x) => x.status === 'not-supported')) {
      log.warn(`${mapping.target}: ${a.setting} is ${NOT_SUPPORTED}; on AWS it would be set`);
    }
    buckets.push({ source, target: mapping.target, access: mapping.access, actions: setter.actions });
  }
  const missing = buckets.filter((b) => b.actions.some((a) => a.status === 'missing'));
  if (missing.length > 0) {
    throw new StorageError(
      'STORAGE_BUCKET_NOT_DEPLOYED',
      `${missing.map((b) => b.target).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on AWS S3; storage setup does not create buckets there: the Storage stack owns them`,
      {
        exit: 'environment',
        hint: 'Deploy it (cd infra && npx cdk deploy <prefix>-Storage --outputs-file outputs.json), then point the config at its buckets: supa2aws config from-stack outputs.json',
        details: { missing: missing.map((b) => b.target) },
      },
    );
  }
  const count = (status: SetupStatus) =>
    buckets.reduce((n, b) => n + b.actions.filter((a) => a.status === status).length, 0);
  return {
    version: 1,
    dryRun: input.dryRun === true,
    owner: input.owner ?? 'setup',
    buckets,
    notSupported: count('not-supported'),
    manual: count('manual'),
    differs: count('differs'),
  };
}
