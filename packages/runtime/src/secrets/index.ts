export {
  loadSecrets,
  type LoadSecretsOptions,
  type LoadedSecrets,
  type SecretsClient,
} from './load-secrets.ts';
export { SecretsErrorCode, secretsError, type SecretsErrorCodeValue } from './errors.ts';
