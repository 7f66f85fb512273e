export { hidePassword, isSecretKey, redactText, redactUrl, redactValue } from './redact.ts';
