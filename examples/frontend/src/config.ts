/** Runtime config from ./config.json (one build serves every environment), else the VITE_* build-time values. */
export interface FrontendConfig {
  apiBaseUrl: string;
  userPoolId: string;
  userPoolClientId: string;
  userPoolEndpoint?: string;
}

export async function loadConfig(): Promise<FrontendConfig> {
  const response = await fetch('./config.json', { cache: 'no-store' }).catch(() => undefined);
  if (response?.ok) return (await response.json()) as FrontendConfig;
  const env = import.meta.env;
  return {
    apiBaseUrl: env.VITE_API_BASE_URL,
    userPoolId: env.VITE_COGNITO_USER_POOL_ID,
    userPoolClientId: env.VITE_COGNITO_CLIENT_ID,
    ...(env.VITE_COGNITO_ENDPOINT ? { userPoolEndpoint: env.VITE_COGNITO_ENDPOINT } : {}),
  };
}
