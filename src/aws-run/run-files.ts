/**
 * The run's files in the runs bucket: the config aws run uploads, and per task what the container wrote
 * back (its stdout, its exit status with the names of its phase reports, the reports). aws run reads only
 * keys it knows, so the operator needs s3:GetObject and s3:PutObject on the bucket, not s3:ListBucket.
 */
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../core/errors.ts';
import { literalSecretWarnings } from '../config/load.ts';
import { stripComments } from '../core/config/comments.ts';
import { awsRunError } from './errors.ts';

export type RunS3Client = Pick<S3Client, 'send'>;

/**
 * The config file as the task will read it, refused when it holds a literal secret: the task gets secrets
 * from Secrets Manager, and the file is stored in S3.
 */
export function readRunConfig(file: string): string {
  if (!file.endsWith('.json')) {
    throw new ConfigError('AWS_RUN_CONFIG_NOT_JSON', `aws run uploads a JSON config; ${file} is not one`, {
      exit: 'usage',
      hint: 'Write the config as JSON (supa2aws init writes supa2aws.config.json) and pass it with -c.',
    });
  }
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('CONFIG_NOT_JSON', `${file} is not valid JSON: ${(error as Error).message}`, {
      exit: 'usage',
      hint: 'Fix the JSON syntax; `supa2aws config validate` shows where.',
    });
  }
  const secrets = literalSecretWarnings(stripComments(raw));
  if (secrets.length > 0) {
    throw new ConfigError(
      'AWS_RUN_CONFIG_HOLDS_SECRET',
      `${file} holds a literal secret at ${secrets.map((s) => s.field).join(', ')}; aws run stores the config in S3`,
      {
        exit: 'usage',
        hint: 'Replace each value with a ${VARIABLE} reference and put the value in the migration secret (MigrationSecretArn): aws secretsmanager put-secret-value --secret-id <MigrationSecretArn> --secret-string \'{"VARIABLE":"…"}\'.',
        details: { fields: secrets.map((s) => s.field) },
      },
    );
  }
  return text;
}

/** `${NAME}` references of a config text. */
export function configVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))].sort();
}

export async function putRunFile(
  s3: RunS3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ServerSideEncryption: 'AES256' }),
    );
  } catch (error) {
    throw awsRunError(error, `s3:PutObject on s3://${bucket}/${key}`);
  }
}

/** A run file's bytes, or undefined when the task never wrote it. */
export async function getRunFile(s3: RunS3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw awsRunError(error, `s3:GetObject on s3://${bucket}/${key}`);
  }
}

/** What the container writes last (`exit.json`): the command's exit code and the reports it uploaded. */
export interface TaskExit {
  exitCode: number;
  /** File names under the task's `reports/`. */
  reports: string[];
  /** The output files the command wrote, under the task's `outputs/` (absent from runs before outputs). */
  outputs?: string[];
}
