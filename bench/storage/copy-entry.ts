/**
 * `storage copy` through the library alone, without the CLI's start-up (which imports every command
 * group): shows what the copy engine itself costs in time and memory. Used by run.ts with --also-lib.
 *
 *   node --import tsx bench/storage/copy-entry.ts <config.json> [concurrency]
 */
import { loadConfig } from '../../src/config/index.ts';
import { copyStorageFromConfig } from '../../src/storage/index.ts';

const [file, concurrency] = process.argv.slice(2);
if (!file) throw new Error('usage: copy-entry.ts <config.json> [concurrency]');
const { config } = await loadConfig({ file });
const run = await copyStorageFromConfig(config, concurrency ? { concurrency: Number(concurrency) } : {});
process.stdout.write(`${JSON.stringify(run.result)}\n`);
