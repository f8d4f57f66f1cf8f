/**
 * Config resolution time for a preset with 50 plugins, against the time to
 * merely import the same 50 modules (the baseline, measured in the same run).
 *
 *   npm run bench -- config
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createLadder } from '../core/index.ts';

const PLUGINS = 50;
const ROUNDS = 20;
const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-config-'));

function writeSet(tag: string): string[] {
  const files = Array.from({ length: PLUGINS }, (_, i) => {
    const file = join(dir, `${tag}-plugin-${i}.ts`);
    writeFileSync(
      file,
      `export default (options = {}) => ({ name: '${tag}-p${i}', apply(ladder) {
  ladder.hooks.tasks.for('task-${i}').tap('${tag}-p${i}', () => ({ id: 'task-${i}', modalities: ['video'], generate: () => [] }));
  ladder.hooks.filters.tap('${tag}-p${i}', (c) => c);
} });\n`,
    );
    return file;
  });
  writeFileSync(join(dir, `${tag}-preset.ts`), `export default { name: 'fifty', plugins: ${JSON.stringify(files)} };\n`);
  return files;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  // cold: first resolution (module loading included) vs first import of an identical fresh set;
  // one throwaway import first so neither side pays the TypeScript loader's warm-up
  const importSet = writeSet('import');
  writeSet('resolve');
  writeFileSync(join(dir, 'warmup.ts'), 'export default 1;\n');
  await import(pathToFileURL(join(dir, 'warmup.ts')).href);
  let t0 = performance.now();
  for (const file of importSet) await import(pathToFileURL(file).href);
  const coldImport = performance.now() - t0;
  t0 = performance.now();
  await createLadder({ presets: [join(dir, 'resolve-preset.ts')] }, { baseDir: dir, defaults: [] });
  const coldResolve = performance.now() - t0;

  // warm: modules cached; resolution = locate + instantiate + validate + apply
  const warm: number[] = [];
  const warmImport: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    t0 = performance.now();
    for (const file of importSet) await import(pathToFileURL(file).href);
    warmImport.push(performance.now() - t0);
    t0 = performance.now();
    const ladder = await createLadder({ presets: [join(dir, 'resolve-preset.ts')] }, { baseDir: dir, defaults: [] });
    warm.push(performance.now() - t0);
    if (ladder.plugins.length !== PLUGINS) throw new Error(`expected ${PLUGINS} plugins, got ${ladder.plugins.length}`);
  }
  const figures = {
    plugins: PLUGINS,
    cold_resolve_ms: +coldResolve.toFixed(1),
    cold_import_ms: +coldImport.toFixed(1),
    cold_ratio: +(coldResolve / coldImport).toFixed(2),
    warm_resolve_ms: +median(warm).toFixed(2),
    warm_import_ms: +median(warmImport).toFixed(2),
    per_plugin_warm_ms: +(median(warm) / PLUGINS).toFixed(3),
  };
  console.log(`config resolution, preset with ${PLUGINS} plugins (${ROUNDS} warm rounds, median)`);
  console.log(`  cold: resolve ${figures.cold_resolve_ms} ms vs import-only ${figures.cold_import_ms} ms (ratio ${figures.cold_ratio})`);
  console.log(`  warm: resolve ${figures.warm_resolve_ms} ms (${figures.per_plugin_warm_ms} ms/plugin) vs import-only ${figures.warm_import_ms} ms`);
  console.log(JSON.stringify({ bench: 'config', ...figures }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
