#!/usr/bin/env node
// The `ladder` executable. In the repository it runs the TypeScript sources
// through tsx (with the repository's tsconfig.json, whatever the working
// directory: its `paths` map `spatial-ladder` to the sources); in the npm
// package, where no sources sit beside it, the compiled dist/. Both of tsx's
// hooks, as core/modules.ts registers them compiled: a user's `.ts` config in a
// folder without `"type": "module"` is CommonJS.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('./cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  (await import('tsx/esm/api')).register({ tsconfig });
  // tsx's CommonJS hook reads its tsconfig from the environment, once, when registered
  const previous = process.env.TSX_TSCONFIG_PATH;
  process.env.TSX_TSCONFIG_PATH = tsconfig;
  (await import('tsx/cjs/api')).register();
  if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
  else process.env.TSX_TSCONFIG_PATH = previous;
  ({ main } = await import(source.href));
} else ({ main } = await import('../dist/core/cli.js'));
process.exitCode = await main(process.argv);
