import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { estimateCost } from '../../src/cost/estimate.ts';
import { usageOfDeployment } from '../../src/cost/deployment.ts';
import { synth } from './helpers.ts';

describe('budget stack', () => {
  describe('GIVEN an alert email', () => {
    const t = synth({ budget: { email: 'ops@example.com' } }).template('budget');

    test('WHEN synthesised THEN the monthly cost budget is `supa2aws cost` for the same settings plus 20%, rounded up to $10', () => {
      const s = synth({ budget: { email: 'ops@example.com' } });
      const estimate = estimateCost({ preset: 'small', usage: usageOfDeployment(s.settings) }).aws.monthly;
      const expected = Math.ceil((estimate * 1.2) / 10) * 10;
      assert.ok(expected > estimate, `${expected} is above the stacks' own cost ${estimate}`);
      t.hasResourceProperties('AWS::Budgets::Budget', {
        Budget: {
          BudgetName: 'aiuteur-monthly',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: expected, Unit: 'USD' },
        },
      });
    });

    test('WHEN spend passes 80% (actual) or 100% (forecast) THEN the email is alerted', () => {
      const budget = Object.values(t.findResources('AWS::Budgets::Budget'))[0]!.Properties;
      const alerts = budget.NotificationsWithSubscribers.map(
        (n: { Notification: Record<string, unknown>; Subscribers: Record<string, string>[] }) => [
          n.Notification.NotificationType,
          n.Notification.ComparisonOperator,
          n.Notification.Threshold,
          n.Notification.ThresholdType,
          n.Subscribers,
        ],
      );
      const to = [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }];
      assert.deepEqual(alerts, [
        ['ACTUAL', 'GREATER_THAN', 80, 'PERCENTAGE', to],
        ['FORECASTED', 'GREATER_THAN', 100, 'PERCENTAGE', to],
      ]);
    });
  });

  describe('GIVEN Multi-AZ and NAT settings', () => {
    test('WHEN synthesised THEN the default budget follows them up', () => {
      const base = synth().stacks.budget.budget.budget as { budgetLimit: { amount: number } };
      const big = synth({
        network: { privateTasks: true, natGateways: 1 },
        database: { multiAz: true },
      }).stacks.budget.budget.budget as { budgetLimit: { amount: number } };
      assert.ok(big.budgetLimit.amount > base.budgetLimit.amount);
    });
  });

  describe('GIVEN an explicit limit', () => {
    test('WHEN synthesised THEN it is used as given', () => {
      const b = synth({ budget: { limitUsd: 75 } }).stacks.budget.budget.budget as {
        budgetLimit: { amount: number };
      };
      assert.equal(b.budgetLimit.amount, 75);
    });
  });

  describe('GIVEN no alert email', () => {
    test('WHEN synthesised THEN the budget exists without notifications and synth warns', () => {
      const s = synth();
      const budget = Object.values(s.template('budget').findResources('AWS::Budgets::Budget'))[0]!.Properties;
      assert.ok(budget.Budget.BudgetLimit.Amount > 50, 'above the old $50 that the stacks alone exceeded');
      assert.equal(budget.NotificationsWithSubscribers, undefined);
      Annotations.fromStack(s.stacks.budget).hasWarning('*', Match.stringLikeRegexp('budgetEmail'));
    });
  });
});
