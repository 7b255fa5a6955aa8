// The dfp version stamped into exported models, read from package.json so it cannot drift from the release.
import { createRequire } from 'node:module';

export const DFP_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
