/**
 * How the package loads code. It runs from its TypeScript sources in the
 * repository (through tsx, which `core/bin.mjs` and the tests register) or
 * compiled to JavaScript in `dist/` (the npm package). A file a config names
 * in TypeScript (`ladder.config.ts`, a plugin's `.ts`) loads through tsx,
 * registered the first time one is needed, so users of the package do not
 * install a TypeScript loader themselves. Both of tsx's hooks are needed: in
 * a project without `"type": "module"` a `.ts` file is CommonJS.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Extension of the package's own modules: ".ts" running from the sources, ".js" compiled. */
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

const TYPESCRIPT = /\.[cm]?tsx?$/;
let tsx: Promise<void> | undefined;

/** Import a file by path; TypeScript loads through tsx. */
export async function importFile(file: string): Promise<unknown> {
  if (MODULE_EXTENSION === '.js' && TYPESCRIPT.test(file))
    await (tsx ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
      esm.register();
      cjs.register();
    }));
  return import(pathToFileURL(file).href);
}

/**
 * A file's default export: an ES module's `default` (else the module), a
 * CommonJS module's `module.exports`, or its `exports.default` when it was
 * compiled from an ES module (`__esModule`).
 */
export async function importDefault(file: string): Promise<unknown> {
  const module = (await importFile(file)) as { default?: unknown };
  const value = module.default ?? module;
  const compiled = value as { __esModule?: boolean; default?: unknown } | null;
  return compiled && typeof compiled === 'object' && compiled.__esModule && 'default' in compiled ? compiled.default : value;
}

/**
 * Loads the entry in a worker: through both of tsx's hooks (with the
 * repository's tsconfig, which the CommonJS hook reads from the environment
 * when registered) when running from the sources, as core/bin.mjs does.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
const { tsx, entry } = workerData.__module;
const register = ([esm, cjs]) => {
  esm.register({ tsconfig: tsx.tsconfig });
  const previous = process.env.TSX_TSCONFIG_PATH;
  process.env.TSX_TSCONFIG_PATH = tsx.tsconfig;
  cjs.register();
  if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
  else process.env.TSX_TSCONFIG_PATH = previous;
};
(tsx ? Promise.all([import(tsx.esm), import(tsx.cjs)]).then(register) : Promise.resolve()).then(() => import(entry));
`;

/**
 * A worker thread running the package module `<name><ext>` beside `from`
 * (a module's `import.meta.url`). Running from the TypeScript sources the
 * worker registers tsx's hooks itself, as `core/bin.mjs` does: on Node 20 a
 * worker's `execArgv: ['--import', tsx]` does not install the loader hooks
 * (ERR_UNKNOWN_FILE_EXTENSION). Compiled, it imports `<name>.js` directly.
 */
export function moduleWorker(from: string, name: string, options: WorkerOptions = {}): Worker {
  const entry = new URL(`./${name}${MODULE_EXTENSION}`, from).href;
  const tsx =
    MODULE_EXTENSION === '.ts'
      ? { esm: import.meta.resolve('tsx/esm/api'), cjs: import.meta.resolve('tsx/cjs/api'), tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) }
      : undefined;
  return new Worker(BOOT, { ...options, eval: true, workerData: { ...(options.workerData as object), __module: { tsx, entry } } });
}
