import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIGURATIONS, nagFindings, PHASES, synth } from './helpers.ts';

/** The rules each stack suppresses on purpose; a new suppression must be added here, with its reason in the code. */
const EXPECTED_SUPPRESSIONS: Record<string, string[]> = {
  // The CloudFront prefix-list lookup (AwsCustomResource): its Lambda's policies and runtime.
  network: ['IAM4', 'IAM5', 'L1'],
  storage: ['CFR1', 'CFR2', 'CFR3', 'CFR4', 'S2'],
  database: ['RDS11', 'RDS3', 'SMG4'],
  auth: ['COG1', 'COG2', 'COG8', 'IAM4'],
  backend: ['ECS2', 'ECS4', 'ELB2', 'IAM5', 'SMG4'],
  migration: ['ECS2', 'ECS4', 'IAM5', 'S1', 'SMG4'],
  frontend: ['CFR1', 'CFR2', 'CFR3', 'CFR4', 'CFR5'],
  monitoring: ['SNS2'],
  budget: [],
};

interface NagMetadata {
  cdk_nag?: { rules_to_suppress?: { id: string; reason: string; applies_to?: unknown[] }[] };
}

describe('cdk-nag AwsSolutions', () => {
  const suppressed = new Map<string, Set<string>>(PHASES.map((p) => [p, new Set<string>()]));

  for (const [name, input] of Object.entries(CONFIGURATIONS)) {
    describe(`GIVEN ${name}`, () => {
      const s = synth(input);
      for (const phase of PHASES) {
        test(`WHEN the ${phase} stack is checked THEN no error or warning is left unsuppressed`, () => {
          assert.deepEqual(nagFindings(s, phase, 'error'), []);
          assert.deepEqual(nagFindings(s, phase, 'warning'), []);
        });
        test(`WHEN the ${phase} stack suppresses a rule THEN it says why`, () => {
          const resources = s.template(phase).toJSON().Resources as Record<
            string,
            { Metadata?: NagMetadata }
          >;
          for (const [id, resource] of Object.entries(resources)) {
            for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
              assert.match(rule.id, /^AwsSolutions-[A-Z]+\d+$/, `${id}: ${rule.id}`);
              assert.ok(
                rule.reason.length >= 40,
                `${id}: ${rule.id} needs a real reason, got "${rule.reason}"`,
              );
              suppressed.get(phase)!.add(rule.id.replace('AwsSolutions-', ''));
            }
          }
        });
      }
    });
  }

  test('WHEN every configuration is checked THEN each stack suppresses exactly the reviewed rules', () => {
    for (const phase of PHASES) {
      assert.deepEqual([...suppressed.get(phase)!].sort(), EXPECTED_SUPPRESSIONS[phase], phase);
    }
  });
});
