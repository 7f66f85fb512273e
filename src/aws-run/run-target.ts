/**
 * Where `aws run` starts tasks, read from the migration stack's outputs (`cdk deploy --outputs-file`): the
 * cluster, task definition and container, the network the task joins, its log group, and the runs bucket.
 */
import { readFileSync } from 'node:fs';
import { requireRegion } from '../core/aws/aws-context.ts';
import { ConfigError } from '../core/errors.ts';
import {
  collectOutputs,
  StackOutputsError,
  type StackOutputs,
} from '../core/stack-outputs/config-from-outputs.ts';
import { OUTPUT_KEYS } from '../core/stack-outputs/output-keys.ts';

export interface RunTarget {
  region: string;
  cluster: string;
  taskDefinition: string;
  container: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  logGroup: string;
  logStreamPrefix: string;
  runsBucket: string;
  /** The JSON secret the task loads into its environment (for messages; the task definition names it). */
  secretArn: string;
}

const REQUIRED = {
  cluster: OUTPUT_KEYS.migrationClusterName,
  taskDefinition: OUTPUT_KEYS.migrationTaskDefinitionArn,
  container: OUTPUT_KEYS.migrationContainerName,
  subnets: OUTPUT_KEYS.migrationSubnetIds,
  securityGroups: OUTPUT_KEYS.migrationSecurityGroupIds,
  assignPublicIp: OUTPUT_KEYS.migrationAssignPublicIp,
  logGroup: OUTPUT_KEYS.migrationLogGroupName,
  logStreamPrefix: OUTPUT_KEYS.migrationLogStreamPrefix,
  runsBucket: OUTPUT_KEYS.migrationRunsBucketName,
  secretArn: OUTPUT_KEYS.migrationSecretArn,
} as const;

const deployHint = (prefix = 'Aiuteur') =>
  `Deploy the migration stack and write the outputs of it and the stacks it uses (a deploy rewrites the file): cd infra && npx cdk deploy ${['Network', 'Storage', 'Database', 'Auth', 'Migration'].map((s) => `${prefix}-${s}`).join(' ')} --outputs-file ../outputs.json`;

export interface RunTargetOptions {
  stackPrefix?: string;
  /** `--region`: wins over the outputs' Region. */
  region?: string;
  /** The region the AWS config layer resolved (environment, profile), when the outputs have none. */
  fallbackRegion?: string;
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** The run target from parsed outputs; every missing output is named at once. */
export function runTargetFromOutputs(
  outputs: StackOutputs,
  options: RunTargetOptions & { file?: string } = {},
): RunTarget {
  let values: Map<string, string>;
  try {
    values = collectOutputs(outputs, options.stackPrefix ? { stackPrefix: options.stackPrefix } : {});
  } catch (error) {
    if (error instanceof StackOutputsError)
      throw new ConfigError(error.code, error.message, { exit: 'usage', hint: error.hint });
    throw error;
  }
  const where = options.file ?? 'the stack outputs';
  const missing = Object.values(REQUIRED).filter((key) => !values.get(key));
  if (missing.length > 0) {
    throw new ConfigError('AWS_RUN_OUTPUTS_MISSING', `${where} lack ${missing.join(', ')}`, {
      exit: 'usage',
      hint: deployHint(options.stackPrefix),
      details: { missing },
    });
  }
  const get = (key: string) => values.get(key)!;
  const assignPublicIp = get(REQUIRED.assignPublicIp);
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw new ConfigError(
      'AWS_RUN_OUTPUTS_INVALID',
      `${REQUIRED.assignPublicIp} in ${where} is ${JSON.stringify(assignPublicIp)}; expected ENABLED or DISABLED`,
      { exit: 'usage', hint: deployHint(options.stackPrefix) },
    );
  }
  return {
    region: requireRegion(
      options.region ?? values.get(OUTPUT_KEYS.region) ?? options.fallbackRegion,
      `aws run (${where} has no Region output)`,
    ),
    cluster: get(REQUIRED.cluster),
    taskDefinition: get(REQUIRED.taskDefinition),
    container: get(REQUIRED.container),
    subnets: list(get(REQUIRED.subnets)),
    securityGroups: list(get(REQUIRED.securityGroups)),
    assignPublicIp,
    logGroup: get(REQUIRED.logGroup),
    logStreamPrefix: get(REQUIRED.logStreamPrefix),
    runsBucket: get(REQUIRED.runsBucket),
    secretArn: get(REQUIRED.secretArn),
  };
}

/** Reads `cdk deploy --outputs-file` output and returns the run target. */
export function readRunTarget(file: string, options: RunTargetOptions = {}): RunTarget {
  let outputs: StackOutputs;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as StackOutputs;
  } catch (error) {
    throw new ConfigError('STACK_OUTPUTS_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, {
      exit: 'usage',
      hint: deployHint(options.stackPrefix),
    });
  }
  return runTargetFromOutputs(outputs, { ...options, file });
}
