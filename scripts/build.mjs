#!/usr/bin/env node
// Builds the npm package: `npm run build`, and `prepare` (so `npm install`
// in the repository, `npm pack`, `npm publish` and git installs run it).
//
//  1. core/, lib/, plugins/ and presets/ compiled by tsc into dist/ (.js and
//     .d.ts; relative `.ts` imports rewritten to `.js`).
//  2. Every other file of those folders (READMEs, the ScanNet label map, the
//     Python runners; not the .mjs launcher) copied beside the compiled code.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const SOURCES = ['core', 'lib', 'plugins', 'presets'];
const started = Date.now();

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

let copied = 0;
const copyAssets = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__pycache__') continue;
    if (entry.isDirectory()) copyAssets(path);
    else if (!/\.(ts|mjs)$/.test(entry.name)) {
      cpSync(path, join(root, 'dist', relative(root, path)));
      copied++;
    }
  }
};
for (const dir of SOURCES) copyAssets(join(root, dir));
console.log(`build: dist/ from ${SOURCES.join(', ')} (${copied} other files copied) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
