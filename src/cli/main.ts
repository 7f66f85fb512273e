#!/usr/bin/env node
import { runCli } from './program.ts';

// The AWS SDK warns on every run that its 2027 releases need Node 22; supa2aws supports Node 20+.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runCli(process.argv.slice(2));
