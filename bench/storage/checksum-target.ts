/**
 * The S3 checksum stand-in (test/helpers/s3-checksum-stand-in.ts) as a process of its own, so that run.ts
 * can read its CPU time as it reads an s3rver's: an S3-like target that checks and keeps SHA-256
 * checksums, as AWS S3 does and s3rver does not. Prints `{"endpoint":…}` on one line, then serves until
 * it is stopped. In memory: for the small set only.
 *
 *   node --import tsx bench/storage/checksum-target.ts
 */
import { startS3ChecksumStandIn } from '../../test/helpers/s3-checksum-stand-in.ts';

const standIn = await startS3ChecksumStandIn();
process.stdout.write(`${JSON.stringify({ endpoint: standIn.endpoint })}\n`);
const stop = () => void standIn.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
