import type { IConstruct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';

/** One cdk-nag rule we accept on purpose, and why. `appliesTo` narrows IAM4/IAM5 findings. */
export interface Suppression {
  id: string;
  reason: string;
  appliesTo?: string[];
}

/** Suppresses findings on a construct and everything under it; every suppression must say why. */
export function suppress(construct: IConstruct, suppressions: Suppression[]): void {
  for (const s of suppressions) {
    if (s.reason.trim().length < 10) throw new Error(`cdk-nag suppression ${s.id} needs a real reason`);
  }
  NagSuppressions.addResourceSuppressions(construct, suppressions, true);
}

/** The AWS-managed policies Lambda functions get for logging and VPC networking. */
export const LAMBDA_MANAGED_POLICIES = [
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
];
