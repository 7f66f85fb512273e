/**
 * What a run will touch, said before it does anything: the config file, the Supabase project and database
 * host, the AWS region (and where it came from), profile, database host, buckets and user pool. Nothing
 * secret: hosts and names only.
 */
import path from 'node:path';
import type { AwsContext } from '../core/aws/aws-context.ts';
import { isLoopbackHost } from '@supa2aws/runtime/db';
import type { Config } from './schema.ts';

export interface TouchesSummary {
  configFile: string;
  source: { projectRef: string | undefined; dbHost: string | undefined; storageEndpoint: string };
  target: {
    region: string | undefined;
    regionFrom: string | undefined;
    /** The AWS identity used: a named profile or the default chain. */
    credentials: string;
    dbHost: string | undefined;
    s3Endpoint: string;
    buckets: string[];
    userPoolId: string | undefined;
  };
  /** Every endpoint is on this machine (the sandbox): nothing live is touched. */
  local: boolean;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return undefined;
  }
}

function isLocal(url: string | undefined): boolean {
  if (!url) return true;
  try {
    return isLoopbackHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

export function summarizeTouches(
  config: Config,
  configFile: string,
  aws: AwsContext | undefined,
): TouchesSummary {
  const projectRef = /^https:\/\/([a-z0-9]+)\.supabase\.co/.exec(config.source.projectUrl)?.[1];
  const endpoints = [
    config.source.db.url,
    config.target.db.url,
    config.source.storage.endpoint,
    config.target.s3.endpoint,
    config.target.cognito?.endpoint,
  ];
  return {
    configFile: path.resolve(configFile),
    source: {
      projectRef,
      dbHost: hostOf(config.source.db.url),
      storageEndpoint: config.source.storage.endpoint ?? `S3 ${config.source.storage.region}`,
    },
    target: {
      region: config.target.region,
      regionFrom: aws?.regionFrom,
      credentials: aws?.profile ? `profile ${aws.profile} (${aws.profileFrom})` : 'default credential chain',
      dbHost: hostOf(config.target.db.url),
      s3Endpoint:
        config.target.s3.endpoint ??
        `Amazon S3 ${config.target.s3.region ?? config.target.region ?? ''}`.trim(),
      buckets: Object.values(config.storage.buckets).map((b) => b.target),
      userPoolId: config.target.cognito?.userPoolId,
    },
    local: endpoints.every((url) => url === undefined || isLocal(url)),
  };
}

/** One line per side, for people. */
export function describeTouches(t: TouchesSummary): string[] {
  return [
    `config ${t.configFile}`,
    `source: Supabase project ${t.source.projectRef ?? '(unknown ref)'}, database ${t.source.dbHost ?? '?'}, storage ${t.source.storageEndpoint}`,
    `target: AWS ${t.target.region ?? '(no region)'}${t.target.regionFrom ? ` (from ${t.target.regionFrom})` : ''} with the ${t.target.credentials}, database ${t.target.dbHost ?? '?'}, ${t.target.s3Endpoint}${t.target.buckets.length ? ` buckets ${t.target.buckets.join(', ')}` : ''}${t.target.userPoolId ? `, user pool ${t.target.userPoolId}` : ''}${t.local ? ' [local sandbox]' : ''}`,
  ];
}
