import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AuthStack } from './auth-stack.ts';
import type { BackendStack } from './backend-stack.ts';
import type { DatabaseStack } from './database-stack.ts';
import { suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { MonitoringSettings } from './settings.ts';

export interface MonitoringStackProps extends StackProps {
  settings: MonitoringSettings;
  database: DatabaseStack;
  auth: AuthStack;
  backend: BackendStack;
  /** Gigabytes allocated to the database, for the free-storage alarm's threshold (10% of it). */
  allocatedStorageGiB: number;
}

/**
 * Alarms on what breaks the app, to one SNS topic emailed to settings.email: the API answering 5xx or
 * losing healthy targets, the database's CPU, free storage and connections, the migrate-user Lambda's
 * errors and throttles (a failing trigger is a user who cannot sign in) and its refused sign-ins (password
 * guessing), and the worker not running.
 * Each alarm also notifies when it clears.
 */
export class MonitoringStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { settings, database, auth, backend } = props;

    this.topic = new sns.Topic(this, 'Alarms', { displayName: 'supa2aws app alarms', enforceSSL: true });
    if (settings.email) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.email));
    } else {
      Annotations.of(this).addWarningV2(
        'supa2aws:alarms-no-email',
        'Alarms have no recipient: deploy with -c alertEmail=you@example.com (or -c budgetEmail=...).',
      );
    }
    suppress(this.topic, [
      { id: 'AwsSolutions-SNS2', reason: 'Alarm notifications hold no data worth a customer-managed key.' },
    ]);

    const five = Duration.minutes(5);
    const alarm = (
      alarmId: string,
      description: string,
      props: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.Metric },
    ) => {
      const { metric, ...options } = props;
      const a = metric.createAlarm(this, alarmId, { alarmDescription: description, ...options });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      a.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };
    const lb = backend.loadBalancer.metrics;
    const tg = backend.targetGroup.metrics;

    alarm('Api5xx', 'The API (targets) answered 5xx more than 10 times in 5 minutes', {
      metric: tg.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: five, statistic: 'Sum' }),
      threshold: 10,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm(
      'Alb5xx',
      'The load balancer itself answered 5xx (no healthy task, timeouts) more than 10 times in 5 minutes',
      {
        metric: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: five, statistic: 'Sum' }),
        threshold: 10,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    alarm('UnhealthyHosts', 'An API task failed the load balancer health check for 5 minutes', {
      metric: tg.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('DbCpu', 'Database CPU above 80% for 15 minutes', {
      metric: database.instance.metricCPUUtilization({ period: five }),
      threshold: 80,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm('DbFreeStorage', 'Database free storage below 10% of the allocated size', {
      metric: database.instance.metricFreeStorageSpace({ period: five, statistic: 'Minimum' }),
      threshold: props.allocatedStorageGiB * 0.1 * 1024 ** 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    alarm('DbConnections', `More than ${settings.maxDbConnections} database connections for 10 minutes`, {
      metric: database.instance.metricDatabaseConnections({ period: five, statistic: 'Maximum' }),
      threshold: settings.maxDbConnections,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    if (auth.migrateUser) {
      alarm(
        'MigrateUserErrors',
        'The migrate-user Lambda failed: users with Supabase passwords cannot sign in',
        {
          metric: auth.migrateUser.metricErrors({ period: five, statistic: 'Sum' }),
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      alarm('MigrateUserThrottles', 'The migrate-user Lambda was throttled', {
        metric: auth.migrateUser.metricThrottles({ period: five, statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (auth.migrateUserRefusals) {
      alarm(
        'MigrateUserRefusals',
        `More than ${settings.maxMigrateUserRefusals} sign-ins refused by the migrate-user Lambda in 5 minutes (password guessing?): its log lines carry each name's userRef`,
        {
          metric: auth.migrateUserRefusals,
          threshold: settings.maxMigrateUserRefusals,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }
    alarm('WorkerNotRunning', 'No VideoJobExecutor task has been running for 10 minutes', {
      // AWS/ECS emits a service's CPUUtilization only while a task runs: no data points is no worker.
      // (Container Insights' RunningTaskCount would say it directly, but it is off by default.)
      metric: backend.workerService.metricCpuUtilization({ period: five, statistic: 'SampleCount' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    new CfnOutput(this, OUTPUT_KEYS.alarmTopicArn, { value: this.topic.topicArn });
  }
}
