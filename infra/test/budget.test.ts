import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synth } from './helpers.ts';

describe('budget stack', () => {
  describe('GIVEN an alert email', () => {
    const t = synth({ budget: { email: 'ops@example.com' } }).template('budget');

    test('WHEN synthesised THEN a $50 monthly cost budget exists', () => {
      t.hasResourceProperties('AWS::Budgets::Budget', {
        Budget: {
          BudgetName: 'aiuteur-monthly',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: 50, Unit: 'USD' },
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

  describe('GIVEN no alert email', () => {
    test('WHEN synthesised THEN the budget exists without notifications and synth warns', () => {
      const s = synth();
      const budget = Object.values(s.template('budget').findResources('AWS::Budgets::Budget'))[0]!.Properties;
      assert.equal(budget.Budget.BudgetLimit.Amount, 50);
      assert.equal(budget.NotificationsWithSubscribers, undefined);
      Annotations.fromStack(s.stacks.budget).hasWarning('*', Match.stringLikeRegexp('budgetEmail'));
    });
  });
});
