/** Arguments every sandbox service child takes: `--port N --dir PATH [--parent-pid N]`. */
export interface ServiceArgs {
  port: number;
  dir: string;
  parentPid?: number;
}

export function parseServiceArgs(argv: string[]): ServiceArgs {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = Number(get('port'));
  const dir = get('dir');
  if (!Number.isInteger(port) || !dir) throw new Error('usage: --port N --dir PATH [--parent-pid N]');
  const parent = get('parent-pid');
  return parent ? { port, dir, parentPid: Number(parent) } : { port, dir };
}

/** Exits when the process that started us is gone (for sandboxes owned by a test run). */
export function exitWithParent(parentPid: number | undefined, stop: () => Promise<void> | void): void {
  const shutdown = async () => {
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  if (!parentPid) return;
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      void shutdown();
    }
  }, 1000).unref();
}
