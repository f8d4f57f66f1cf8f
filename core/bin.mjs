#!/usr/bin/env node
// The `ladder` executable. In the repository it runs the TypeScript sources
// through tsx (with the repository's tsconfig.json, whatever the working
// directory: its `paths` map `spatial-ladder` to the sources); in the npm
// package, where no sources sit beside it, the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('./cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  ({ main } = await import(source.href));
} else ({ main } = await import('../dist/core/cli.js'));
process.exitCode = await main(process.argv);
