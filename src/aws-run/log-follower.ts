/**
 * Follows a task's CloudWatch Logs stream with GetLogEvents from its head: each event's message is one line
 * of the container's output, handed on unchanged (so `--json` events stay NDJSON). A stream that does not
 * exist yet (the task is still starting) is waited for. GetLogEvents returns the same forward token when
 * nothing is new, which is how a drain knows it has everything.
 */
import { GetLogEventsCommand, type GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { awsRunError } from './errors.ts';

export interface LogsClient {
  send(
    command: GetLogEventsCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<GetLogEventsCommandOutput>;
}

export interface LogFollowerOptions {
  client: LogsClient;
  logGroup: string;
  stream: string;
  onLine(line: string): void;
}

export class LogFollower {
  private token: string | undefined;
  private lines = 0;

  constructor(private readonly options: LogFollowerOptions) {}

  /** Lines handed on so far. */
  get count(): number {
    return this.lines;
  }

  /** Fetches what is new; returns whether the stream had anything new. */
  async poll(signal?: AbortSignal): Promise<boolean> {
    const { client, logGroup, stream, onLine } = this.options;
    let page: GetLogEventsCommandOutput;
    try {
      page = await client.send(
        new GetLogEventsCommand({
          logGroupName: logGroup,
          logStreamName: stream,
          startFromHead: true,
          ...(this.token ? { nextToken: this.token } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw awsRunError(error, `logs:GetLogEvents on ${logGroup} ${stream}`);
    }
    for (const event of page.events ?? []) {
      for (const line of (event.message ?? '').replace(/\n$/, '').split('\n')) {
        this.lines++;
        onLine(line);
      }
    }
    const moved = page.nextForwardToken !== undefined && page.nextForwardToken !== this.token;
    if (page.nextForwardToken) this.token = page.nextForwardToken;
    return moved && (page.events?.length ?? 0) > 0;
  }

  /** Fetches until nothing is new (after the task stopped, the last lines may still be arriving). */
  async drain(): Promise<void> {
    for (let i = 0; i < 100 && (await this.poll()); i++);
  }
}
