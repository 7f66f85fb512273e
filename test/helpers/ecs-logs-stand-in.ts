/**
 * A stand-in of the ECS and CloudWatch Logs APIs `supa2aws aws run` calls, on loopback, speaking their
 * documented wire protocol (AWS JSON 1.1: POST / with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`
 * or `Logs_20140328.<Op>`, errors as `{"__type": …, "message": …}` with status 400): RunTask, DescribeTasks,
 * StopTask and GetLogEvents. The SDK clients reach it through their endpoint override
 * (AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS). Neither API has a local server in the sandbox.
 *
 * Each RunTask hands the task to `container`, which plays the container: it writes log lines (as the awslogs
 * driver would, to `<prefix>/<container>/<task id>` in the log group), and exits with a code; StopTask marks
 * the stop (stopCode UserInitiated) and tells the container, which exits as a stopped process would.
 * GetLogEvents pages `pageSize` events at a time and, as documented, returns the token it was given when the
 * stream has nothing new.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInTask {
  taskArn: string;
  /** The container override's command and environment. */
  command: string[];
  environment: Record<string, string>;
  /** One awslogs event. */
  log(line: string): void;
  /** The container exits (`undefined`: it never ran, e.g. the image could not be pulled). */
  exit(code: number | undefined, stoppedReason?: string): void;
  /** Resolves with StopTask's reason. */
  stopped: Promise<string>;
}

export interface EcsLogsStandIn {
  endpoint: string;
  /** Every call: its operation and request body. */
  calls: Array<{ op: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

interface TaskState {
  arn: string;
  cluster: string;
  group: string;
  stream: string;
  lastStatus: 'PROVISIONING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  stoppedReason?: string;
  stopCode?: string;
  stop(reason: string): void;
}

export async function startEcsLogsStandIn(options: {
  logGroup: string;
  streamPrefix: string;
  container: string;
  run(task: StandInTask): void;
  /** Answer RunTask with this error instead (e.g. AccessDeniedException). */
  runTaskError?: string;
  /** Events per GetLogEvents page. @default 2 */
  pageSize?: number;
}): Promise<EcsLogsStandIn> {
  const calls: EcsLogsStandIn['calls'] = [];
  const tasks = new Map<string, TaskState>();
  const streams = new Map<string, Array<{ timestamp: number; message: string; ingestionTime: number }>>();
  let next = 0;

  const error = (res: http.ServerResponse, type: string, message: string) => {
    res.statusCode = 400;
    res.setHeader('x-amzn-errortype', type);
    res.end(JSON.stringify({ __type: type, message }));
  };
  const describe = (t: TaskState) => ({
    taskArn: t.arn,
    clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${t.cluster}`,
    lastStatus: t.lastStatus,
    desiredStatus: t.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    launchType: 'FARGATE',
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    containers: [
      {
        name: options.container,
        lastStatus: t.lastStatus,
        ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
      },
    ],
  });

  const handlers: Record<string, (body: Record<string, unknown>, res: http.ServerResponse) => void> = {
    'AmazonEC2ContainerServiceV20141113.RunTask': (body, res) => {
      if (options.runTaskError)
        return error(res, options.runTaskError, 'User is not authorized to perform: ecs:RunTask');
      const cluster = String(body.cluster);
      const id = `0a1b2c3d4e5f${String(next++).padStart(4, '0')}`;
      const arn = `arn:aws:ecs:eu-west-1:123456789012:task/${cluster}/${id}`;
      const override = (
        body.overrides as {
          containerOverrides: Array<{
            command: string[];
            environment: Array<{ name: string; value: string }>;
          }>;
        }
      ).containerOverrides[0]!;
      const stream = `${options.streamPrefix}/${options.container}/${id}`;
      let onStop: (reason: string) => void = () => undefined;
      const state: TaskState = {
        arn,
        cluster,
        group: options.logGroup,
        stream,
        lastStatus: 'PROVISIONING',
        stop: (reason) => onStop(reason),
      };
      tasks.set(arn, state);
      const task: StandInTask = {
        taskArn: arn,
        command: override.command,
        environment: Object.fromEntries(override.environment.map((e) => [e.name, e.value])),
        log: (line) => {
          state.lastStatus = state.lastStatus === 'PROVISIONING' ? 'RUNNING' : state.lastStatus;
          const list = streams.get(`${state.group}\n${stream}`) ?? [];
          list.push({ timestamp: Date.now(), message: line, ingestionTime: Date.now() });
          streams.set(`${state.group}\n${stream}`, list);
        },
        exit: (code, reason) => {
          state.lastStatus = 'STOPPED';
          if (code !== undefined) state.exitCode = code;
          state.stoppedReason = reason ?? state.stoppedReason ?? 'Essential container in task exited';
          state.stopCode ??= code === undefined ? 'TaskFailedToStart' : 'EssentialContainerExited';
        },
        stopped: new Promise((resolve) => {
          onStop = resolve;
        }),
      };
      res.end(JSON.stringify({ tasks: [describe(state)], failures: [] }));
      setImmediate(() => options.run(task));
    },
    'AmazonEC2ContainerServiceV20141113.DescribeTasks': (body, res) => {
      const found = (body.tasks as string[]).flatMap((arn) => (tasks.has(arn) ? [tasks.get(arn)!] : []));
      res.end(JSON.stringify({ tasks: found.map(describe), failures: [] }));
    },
    'AmazonEC2ContainerServiceV20141113.StopTask': (body, res) => {
      const t = tasks.get(String(body.task));
      if (!t) return error(res, 'InvalidParameterException', 'The referenced task was not found.');
      t.stopCode = 'UserInitiated';
      t.stoppedReason = String(body.reason ?? 'Task stopped by user');
      t.stop(t.stoppedReason);
      res.end(JSON.stringify({ task: describe(t) }));
    },
    'Logs_20140328.GetLogEvents': (body, res) => {
      const events = streams.get(`${String(body.logGroupName)}\n${String(body.logStreamName)}`);
      if (!events) return error(res, 'ResourceNotFoundException', 'The specified log stream does not exist.');
      const token = typeof body.nextToken === 'string' ? body.nextToken : 'f/0';
      const from = Number(token.slice(2));
      const page = events.slice(from, from + (options.pageSize ?? 2));
      res.end(
        JSON.stringify({
          events: page,
          nextForwardToken: page.length ? `f/${from + page.length}` : token,
          nextBackwardToken: `b/${from}`,
        }),
      );
    },
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      const op = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      calls.push({ op: op.split('.').pop()!, body });
      const handler = handlers[op];
      if (!handler) return error(res, 'UnknownOperationException', `${op} is not in this stand-in`);
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
