#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` / `npm run build`): plain node, nothing transpiled at start.
import { main } from '../dist/src/cli.js';

await main(process.argv.slice(2));
