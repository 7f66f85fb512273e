/**
 * Shared synth for the infra tests: each configuration is built and synthesised once per test process and
 * shared by every assertion on it. The migrate-user Lambda gets inline code, so nothing is bundled, and
 * nothing needs AWS credentials, Docker or the network.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildApp, type AiuteurStacks } from '../lib/app.ts';
import { FEATURE_FLAGS } from '../lib/feature-flags.ts';
import { resolveSettings, type InfraSettings, type InfraSettingsInput } from '../lib/settings.ts';

export type Phase = keyof AiuteurStacks;
export const PHASES: Phase[] = [
  'network',
  'storage',
  'database',
  'auth',
  'backend',
  'migration',
  'frontend',
  'monitoring',
  'budget',
];

export interface Synthesized {
  settings: InfraSettings;
  stacks: AiuteurStacks;
  assembly: CloudAssembly;
  template(phase: Phase): Template;
}

/** Every switch at least once: the defaults, everything turned on, and the trimmed-down variant. */
export const CONFIGURATIONS: Record<string, InfraSettingsInput> = {
  defaults: {},
  'private tasks + NAT, domain in a hosted zone, CloudFront images, hosted UI, SES, Multi-AZ, budget email': {
    network: { privateTasks: true, natGateways: 1 },
    storage: { publicImages: 'cloudfront' },
    database: { multiAz: true },
    auth: {
      domainPrefix: 'aiuteur-login',
      callbackUrls: ['https://app.example.com/'],
      sesFromEmail: 'no-reply@example.com',
      sesRegion: 'eu-west-1',
    },
    frontend: {
      contentSecurityPolicy: "default-src 'self'",
      domainName: 'app.example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      hostedZoneName: 'example.com',
    },
    budget: { email: 'ops@example.com' },
  },
  'private tasks with endpoints only, no trigger, t3.micro, x86, domain without a zone': {
    network: { privateTasks: true, cloudFrontPrefixListId: 'pl-3b927c52' },
    auth: { migrateUserTrigger: false, userPasswordAuth: false },
    database: { instanceType: 't3.micro' },
    backend: { cpuArchitecture: 'x86_64' },
    frontend: {
      domainName: 'app.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    },
  },
};

const cache = new Map<string, Synthesized>();

/** Builds (once) and synthesises the whole app for these settings; cdk-nag runs unless nag: false. */
export function synth(input: InfraSettingsInput = {}): Synthesized {
  const key = JSON.stringify(input);
  const hit = cache.get(key);
  if (hit) return hit;
  const settings = resolveSettings(input);
  const app = new App({ context: FEATURE_FLAGS });
  const stacks = buildApp(app, settings, {
    migrateUserCode: lambda.Code.fromInline('exports.handler = async (event) => event;'),
  });
  const assembly = app.synth();
  const templates = new Map<Phase, Template>();
  const result: Synthesized = {
    settings,
    stacks,
    assembly,
    template(phase) {
      let t = templates.get(phase);
      if (!t) {
        t = Template.fromStack(stacks[phase]);
        templates.set(phase, t);
      }
      return t;
    },
  };
  cache.set(key, result);
  return result;
}

/** The cdk-nag errors or warnings left unsuppressed on a stack, as "rule at path" lines. */
export function nagFindings(s: Synthesized, phase: Phase, level: 'error' | 'warning'): string[] {
  const artifact = s.assembly.getStackArtifact(s.stacks[phase].artifactId);
  return artifact.messages
    .filter((m) => m.level === level && /^AwsSolutions-/.test(String(m.entry.data)))
    .map((m) => `${String(m.entry.data).split(':')[0]} at ${m.id}`);
}

/** One inbound rule, normalised: where from (`sg:<LogicalId>` or `cidr:<block>`) and which ports. */
export interface IngressRule {
  from: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  protocol: string;
}

type Json = Record<string, unknown>;

function sourceOf(rule: Json): string {
  const sg = rule.SourceSecurityGroupId as { 'Fn::GetAtt'?: [string, string] } | undefined;
  if (sg?.['Fn::GetAtt']) return `sg:${sg['Fn::GetAtt'][0]}`;
  if (rule.CidrIp) return `cidr:${String(rule.CidrIp)}`;
  if (rule.CidrIpv6) return `cidr:${String(rule.CidrIpv6)}`;
  if (rule.SourcePrefixListId) return `prefix-list:${JSON.stringify(rule.SourcePrefixListId)}`;
  return `other:${JSON.stringify(rule)}`;
}

/** Every inbound rule of a security group: inline ones and AWS::EC2::SecurityGroupIngress resources. */
export function ingressRules(template: Template, securityGroupLogicalId: string): IngressRule[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const sg = resources[securityGroupLogicalId];
  if (!sg || sg.Type !== 'AWS::EC2::SecurityGroup')
    throw new Error(`${securityGroupLogicalId} is not a security group`);
  const inline = (sg.Properties.SecurityGroupIngress as Json[] | undefined) ?? [];
  const standalone = Object.values(resources)
    .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress')
    .map((r) => r.Properties)
    .filter(
      (p) =>
        JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [securityGroupLogicalId, 'GroupId'] }),
    );
  return [...inline, ...standalone].map((rule) => ({
    from: sourceOf(rule),
    fromPort: rule.FromPort as number | undefined,
    toPort: rule.ToPort as number | undefined,
    protocol: String(rule.IpProtocol),
  }));
}

/** The logical ID a construct (or its default CloudFormation resource) got in its stack's template. */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).resolve(element.logicalId) as string;
}
