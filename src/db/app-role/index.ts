export {
  APP_ROLE_POLICY,
  inspectAppRole,
  type AppRoleCheck,
  type AppRoleCheckId,
  type AppRoleInspection,
  type AppRoleSettings,
} from './inspect-app-role.ts';
export { runAppRole, type AppRoleOptions, type AppRolePlan, type AppRoleResult } from './apply-app-role.ts';
export { runAppRoleFromConfig } from './from-config.ts';
