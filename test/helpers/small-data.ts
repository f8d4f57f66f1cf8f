/**
 * A config for tests that need a real built dataset but not the default one:
 * the spatial-ladder preset on 5 small procedural rooms (about 120 samples,
 * every task), built in about 7 s. `dir` holds the config, runs and cache.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SMALL_PROCEDURAL = { scenes: 5, frames: 12, width: 160, height: 120, depthWidth: 80, depthHeight: 60 };

export function writeSmallConfig(dir: string, extra: Record<string, unknown> = {}, name = 'ladder.config.json'): string {
  const file = join(dir, name);
  const config = {
    presets: [['spatial-ladder', { procedural: SMALL_PROCEDURAL }]],
    runsDir: join(dir, 'runs'),
    cacheDir: join(dir, 'cache'),
    data: { candidates: 8, workers: 1 },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
