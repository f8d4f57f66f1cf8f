/** Ladders over the fixture source with every task and filter plugin and the dataset builder. */
import { fileURLToPath } from 'node:url';
import { createLadder, type Ladder, type UserConfig } from '../../../core/index.ts';
import { ALL_FILTERS, ALL_TASKS } from '../../helpers/tiny-scene.ts';

export const FIXTURE = fileURLToPath(new URL('./fixture-source.ts', import.meta.url));
export const PLUGINS = ['dataset', ...ALL_TASKS.map((t) => `task-${t}`), ...ALL_FILTERS.map((f) => `filter-${f}`)];

export interface FixtureConfig {
  images: string;
  cacheDir: string;
  data?: Record<string, unknown>;
  fixture?: Record<string, unknown>;
  seed?: number;
  plugins?: unknown[];
}

export const fixtureConfig = (c: FixtureConfig): UserConfig => ({
  seed: c.seed ?? 7,
  cacheDir: c.cacheDir,
  plugins: [[FIXTURE, { dir: c.images, ...c.fixture }], ...(c.plugins ?? PLUGINS)] as UserConfig['plugins'],
  data: { source: 'fixture', workers: 0, ...c.data },
});

/** A ladder over the fixture, with its log lines collected. */
export async function fixtureLadder(c: FixtureConfig): Promise<{ ladder: Ladder; logs: string[] }> {
  const ladder = await createLadder(fixtureConfig(c), { defaults: [] });
  const logs: string[] = [];
  ladder.hooks.log.tap('test', ({ message }) => void logs.push(message));
  return { ladder, logs };
}
