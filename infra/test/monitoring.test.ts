import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { logicalId, synth } from './helpers.ts';

interface AlarmProps {
  MetricName: string;
  Namespace: string;
  Threshold: number;
  ComparisonOperator: string;
  Dimensions: { Name: string; Value: unknown }[];
  AlarmActions: unknown[];
  OKActions: unknown[];
  TreatMissingData?: string;
}

describe('monitoring stack', () => {
  describe('GIVEN a budget email (and no separate alert email)', () => {
    const s = synth({ budget: { email: 'ops@example.com' } });
    const t = s.template('monitoring');
    const alarms = Object.fromEntries(
      Object.entries(t.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        r.Properties as AlarmProps,
      ]),
    );
    const topic = { Ref: logicalId(s.stacks.monitoring.topic) };

    test('WHEN synthesised THEN the alarm topic emails that address', () => {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: topic,
      });
      t.hasOutput('AlarmTopicArn', { Value: topic });
    });

    test('WHEN synthesised THEN every alarm notifies the topic when it fires and when it clears', () => {
      assert.deepEqual(Object.keys(alarms).sort(), [
        'Alb5xx',
        'Api5xx',
        'DbConnections',
        'DbCpu',
        'DbFreeStorage',
        'MigrateUserErrors',
        'MigrateUserRefusals',
        'MigrateUserThrottles',
        'UnhealthyHosts',
        'WorkerNotRunning',
      ]);
      for (const [id, a] of Object.entries(alarms)) {
        assert.deepEqual(a.AlarmActions, [topic], id);
        assert.deepEqual(a.OKActions, [topic], id);
      }
    });

    test('WHEN synthesised THEN the load balancer alarms watch 5xx from targets and from the ALB, and unhealthy hosts', () => {
      assert.deepEqual(
        [alarms.Api5xx!.Namespace, alarms.Api5xx!.MetricName],
        ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'],
      );
      assert.equal(alarms.Alb5xx!.MetricName, 'HTTPCode_ELB_5XX_Count');
      assert.equal(alarms.UnhealthyHosts!.MetricName, 'UnHealthyHostCount');
      assert.deepEqual(alarms.UnhealthyHosts!.Dimensions.map((d) => d.Name).sort(), [
        'LoadBalancer',
        'TargetGroup',
      ]);
    });

    test('WHEN synthesised THEN the database alarms watch CPU, free storage (10% of 20 GiB) and connections', () => {
      assert.deepEqual(
        [alarms.DbCpu!.Namespace, alarms.DbCpu!.MetricName, alarms.DbCpu!.Threshold],
        ['AWS/RDS', 'CPUUtilization', 80],
      );
      assert.equal(alarms.DbFreeStorage!.MetricName, 'FreeStorageSpace');
      assert.equal(alarms.DbFreeStorage!.Threshold, 2 * 1024 ** 3);
      assert.equal(alarms.DbFreeStorage!.ComparisonOperator, 'LessThanThreshold');
      assert.deepEqual(
        [alarms.DbConnections!.MetricName, alarms.DbConnections!.Threshold],
        ['DatabaseConnections', 80],
      );
    });

    test('WHEN synthesised THEN the migrate-user Lambda alarms on any error or throttle', () => {
      for (const [id, metric] of [
        ['MigrateUserErrors', 'Errors'],
        ['MigrateUserThrottles', 'Throttles'],
      ] as const) {
        assert.deepEqual(
          [
            alarms[id]!.Namespace,
            alarms[id]!.MetricName,
            alarms[id]!.Threshold,
            alarms[id]!.ComparisonOperator,
          ],
          ['AWS/Lambda', metric, 0, 'GreaterThanThreshold'],
        );
      }
    });

    test('WHEN more than 50 sign-ins are refused in 5 minutes (the refusal log lines) THEN the alarm fires', () => {
      const r = alarms.MigrateUserRefusals! as AlarmProps & { Statistic: string; Period: number };
      assert.deepEqual(
        [r.Namespace, r.MetricName, r.Statistic, r.Period, r.Threshold, r.ComparisonOperator],
        ['supa2aws/MigrateUser', 'SignInRefused', 'Sum', 300, 50, 'GreaterThanThreshold'],
      );
      assert.equal(r.TreatMissingData, 'notBreaching');
    });

    test('WHEN no worker task runs (no CPU data points) THEN the worker alarm fires', () => {
      const w = alarms.WorkerNotRunning!;
      assert.deepEqual([w.Namespace, w.MetricName], ['AWS/ECS', 'CPUUtilization']);
      assert.equal(w.TreatMissingData, 'breaching');
      assert.equal(w.ComparisonOperator, 'LessThanThreshold');
      assert.match(JSON.stringify(w.Dimensions), /WorkerService/);
    });
  });

  describe('GIVEN maxMigrateUserRefusals: 20', () => {
    test('WHEN synthesised THEN the refusal alarm fires above 20', () => {
      const t = synth({ monitoring: { maxMigrateUserRefusals: 20 } }).template('monitoring');
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SignInRefused', Threshold: 20 });
    });
  });

  describe('GIVEN no trigger and no email', () => {
    test('WHEN synthesised THEN there is no Lambda alarm, no subscription, and synth warns', () => {
      const s = synth({ auth: { migrateUserTrigger: false } });
      const t = s.template('monitoring');
      t.resourceCountIs('AWS::SNS::Subscription', 0);
      t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda' }, 0);
      t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'supa2aws/MigrateUser' }, 0);
      Annotations.fromStack(s.stacks.monitoring).hasWarning('*', Match.stringLikeRegexp('alertEmail'));
    });
  });
});
