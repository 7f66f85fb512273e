/**
 * `auth plan --out <file>` and `auth import --plan <file>`: the auth plan saved as data, reviewed, and
 * applied later. The file holds the users by kind — what happens to each kind and the ids of its users —
 * and the config parts that decide who is imported and how (the source project, the target pool, where the
 * Supabase UUID goes, the legacy store, unconfirmed users, the provider links), whose fingerprint the import
 * checks. Ids only: no email, phone, hash or password goes in it.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import {
  assertSameInputs,
  planFileFor,
  readPlanFile,
  writePlanFile,
  type PlanFile,
  type PlanFileSpec,
  type PlanInputs,
} from '../core/plan-file.ts';
import { KIND_OUTCOMES, type Outcome, type UserKind } from './classify.ts';
import type { AuthPlan, PlannedUser } from './plan.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const kinds = Object.keys(KIND_OUTCOMES) as [UserKind, ...UserKind[]];
const outcomes = ['lazy', 'reset', 'import', 'skip'] as const satisfies readonly Outcome[];

const savedAuthPlanSchema = z
  .object({
    /** Supabase users read. */
    total: z.number().int().min(0),
    byOutcome: z.record(z.enum(outcomes), z.number().int().min(0)),
    /** Each kind: what happens to its users, and their ids. */
    kinds: z.array(
      z
        .object({
          kind: z.enum(kinds),
          outcome: z.enum(outcomes),
          what: z.string(),
          ids: z.array(z.string().regex(UUID, 'a user UUID')),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const ids = plan.kinds.flatMap((k) => k.ids);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'a user is listed twice' });
    if (ids.length !== plan.total) ctx.addIssue({ code: 'custom', message: 'total is not the users listed' });
  });

/** The plan as the file holds it. */
export type SavedAuthPlan = z.infer<typeof savedAuthPlanSchema>;
export type AuthPlanFile = PlanFile<SavedAuthPlan>;

export const AUTH_PLAN_FILE: PlanFileSpec<SavedAuthPlan> = {
  kind: 'supa2aws/auth-plan',
  version: 1,
  schema: savedAuthPlanSchema,
  planCommand: 'supa2aws auth plan --out <file>',
};

/** What decides who an import creates and how, from the config. Names only. */
function authPlanInputs(config: Config): PlanInputs {
  return {
    sourceProject: config.source.projectUrl,
    userPool: config.target.cognito?.userPoolId ?? 'none',
    cognitoEndpoint: config.target.cognito?.endpoint ?? 'aws',
    userIdAttribute: config.auth.userIdAttribute,
    legacySchema: config.auth.legacySchema,
    migrateUnconfirmed: config.auth.migrateUnconfirmed,
    providers: config.auth.providers,
  };
}

/** Collects the users `planAuth` reads (its `onUser`), grouped by kind, for the file. */
export class PlannedUsers {
  private readonly byKind = new Map<UserKind, string[]>();

  readonly add = (user: PlannedUser): void => {
    const ids = this.byKind.get(user.kind) ?? [];
    if (ids.length === 0) this.byKind.set(user.kind, ids);
    ids.push(user.id);
  };

  /** The plan to save: the summary `plan` made, with every user's id under their kind. */
  saved(plan: AuthPlan): SavedAuthPlan {
    return {
      total: plan.users.total,
      byOutcome: plan.byOutcome,
      kinds: plan.kinds.map((k) => ({
        kind: k.kind,
        outcome: k.outcome,
        what: k.what,
        ids: this.byKind.get(k.kind) ?? [],
      })),
    };
  }
}

/** Writes the saved plan to `file` as an auth plan file made from `config`; returns what was written. */
export function writeAuthPlanFile(
  file: string,
  config: Config,
  plan: SavedAuthPlan,
  createdAt: Date,
): AuthPlanFile {
  const planFile = planFileFor(AUTH_PLAN_FILE, authPlanInputs(config), plan, createdAt);
  writePlanFile(file, planFile);
  return planFile;
}

/** Reads an auth plan file and checks it against `config` (refused, exit 2, when either does not match). */
export function readAuthPlanFile(file: string, config: Config): AuthPlanFile {
  const planFile = readPlanFile(file, AUTH_PLAN_FILE);
  assertSameInputs(file, planFile, authPlanInputs(config), AUTH_PLAN_FILE);
  return planFile;
}

/** The users the plan has `auth import` create: every kind but those skipped. */
export function plannedImports(plan: SavedAuthPlan): Set<string> {
  return new Set(plan.kinds.filter((k) => k.outcome !== 'skip').flatMap((k) => k.ids));
}
