import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import type { Construct } from 'constructs';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { BudgetSettings } from './settings.ts';

export interface BudgetStackProps extends StackProps {
  /** The limit resolved (budget-default.ts when the settings leave it unset). */
  settings: BudgetSettings & { limitUsd: number };
}

/**
 * Phase 0 (plan 01): a monthly cost budget (by default the `supa2aws cost` estimate of these stacks + 20%), emailing at 80% of actual spend and at 100% of
 * the forecast — the alarm for a forgotten NAT gateway or an oversized instance.
 */
export class BudgetStack extends Stack {
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: BudgetStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const subscribers = settings.email ? [{ subscriptionType: 'EMAIL', address: settings.email }] : [];
    if (!settings.email) {
      Annotations.of(this).addWarningV2(
        'supa2aws:budget-no-email',
        'The budget has no alert recipient: deploy with -c budgetEmail=you@example.com to be told when spend passes 80%.',
      );
    }
    const notifications: budgets.CfnBudget.NotificationWithSubscribersProperty[] = subscribers.length
      ? [
          {
            notification: {
              notificationType: 'ACTUAL',
              comparisonOperator: 'GREATER_THAN',
              threshold: 80,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
          {
            notification: {
              notificationType: 'FORECASTED',
              comparisonOperator: 'GREATER_THAN',
              threshold: 100,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
        ]
      : [];

    this.budget = new budgets.CfnBudget(this, 'Monthly', {
      budget: {
        budgetName: settings.name,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: settings.limitUsd, unit: 'USD' },
      },
      ...(notifications.length ? { notificationsWithSubscribers: notifications } : {}),
    });

    new CfnOutput(this, OUTPUT_KEYS.budgetName, { value: settings.name });
  }
}
