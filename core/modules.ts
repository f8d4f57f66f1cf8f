/**
 * How the package loads code. It runs from its TypeScript sources in the
 * repository (through tsx, which `core/bin.mjs` and the tests register) or
 * compiled to JavaScript in `dist/` (the npm package). A file a config names
 * in TypeScript (`ladder.config.ts`, a plugin's `.ts`) loads through tsx,
 * registered the first time one is needed, so users of the package do not
 * install a TypeScript loader themselves.
 */
import { pathToFileURL } from 'node:url';

/** Extension of the package's own modules: ".ts" running from the sources, ".js" compiled. */
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

const TYPESCRIPT = /\.[cm]?tsx?$/;
let tsx: Promise<void> | undefined;

/** Import a file by path; TypeScript loads through tsx. */
export async function importFile(file: string): Promise<unknown> {
  if (MODULE_EXTENSION === '.js' && TYPESCRIPT.test(file)) await (tsx ??= import('tsx/esm/api').then((api) => void api.register()));
  return import(pathToFileURL(file).href);
}
