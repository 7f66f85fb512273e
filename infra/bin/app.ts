#!/usr/bin/env node
/**
 * The CDK app: `npm run synth -w infra`, or from infra/: `npx cdk deploy Aiuteur-Storage -c region=eu-west-1`.
 * Settings come from context (`-c key=value` or cdk.json); see infra/README.md for the keys.
 * Synth needs no AWS credentials and no network: no lookups, no Docker (esbuild bundles the Lambda).
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';
import { FEATURE_FLAGS } from '../lib/feature-flags.ts';
import { settingsFromContext } from '../lib/context.ts';

// Context given on the command line or in cdk.json wins over these defaults.
const app = new App({ context: FEATURE_FLAGS });
const settings = settingsFromContext((key) => app.node.tryGetContext(key));
buildApp(app, settings);
app.synth();
