import { readFileSync } from 'node:fs';

/**
 * SUPABASE_* names left in ECS task definitions (`aws ecs describe-task-definition` output, or the
 * `taskDefinition` object itself): environment variables and secrets of every container.
 */
export function supabaseNamesInTaskDefinition(file: string): string[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    taskDefinition?: { containerDefinitions?: unknown[] };
    containerDefinitions?: unknown[];
  };
  const containers = (parsed.taskDefinition?.containerDefinitions ??
    parsed.containerDefinitions ??
    []) as Array<{
    name?: string;
    environment?: Array<{ name?: string }>;
    secrets?: Array<{ name?: string }>;
  }>;
  return containers.flatMap((c) =>
    [...(c.environment ?? []), ...(c.secrets ?? [])]
      .map((e) => e.name ?? '')
      .filter((name) => /^(VITE_)?SUPABASE_/.test(name))
      .map((name) => `${c.name ?? 'container'}: ${name}`),
  );
}
