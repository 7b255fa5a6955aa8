#!/usr/bin/env node
// The dfp command. The product is TypeScript run through tsx's loader, so `npx dfp` always runs the
// checked-out sources: no build step to forget, no stale output.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
