/**
 * Redaction: nothing secret leaves through logs, reports, errors or plans. Everything printed by the CLI
 * goes through `redactText` / `redactValue`; the rules are the runtime's, so the app and the CLI mask alike.
 */
export { hidePassword, isSecretKey, redactText, redactUrl, redactValue } from '@supa2aws/runtime/redact';
