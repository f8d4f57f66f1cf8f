/**
 * Splits by scene: a scene's samples are all "train" or all "held-out", so
 * a benchmark built from held-out samples never shares a scene with training.
 *
 *   data.split: { heldOut: 0.2 }                      20% of scenes, drawn with the seed
 *   data.split: { heldOut: ['scene0011_00'] }          these scenes; every other one trains
 *   data.split: { heldOut: [...], train: [...] }       exactly these; other scenes are left out
 */
import { ConfigError, createRandom } from '../../core/index.ts';
import type { DataSettings } from './settings.ts';

export interface SceneSplit {
  train: string[];
  heldOut: string[];
}

export function splitScenes(ids: string[], split: DataSettings['split'], seed: number, where: string): SceneSplit {
  if (typeof split.heldOut === 'number') {
    const fraction = split.heldOut;
    let n = Math.round(fraction * ids.length);
    if (fraction > 0 && n === 0 && ids.length > 1) n = 1;
    if (fraction < 1 && n === ids.length && ids.length > 1) n = ids.length - 1;
    const held = new Set(createRandom(seed, 'split').shuffle([...ids]).slice(0, n));
    return { train: ids.filter((id) => !held.has(id)), heldOut: ids.filter((id) => held.has(id)) };
  }
  const known = new Set(ids);
  const check = (list: string[], key: string) => {
    const unknown = list.filter((id) => !known.has(id));
    if (unknown.length) throw new ConfigError(`${where}: data.split.${key}: unknown scene ${unknown.join(', ')} (the source lists ${ids.length} scenes)`);
  };
  const { heldOut, train } = split as { heldOut: string[]; train?: string[] };
  check(heldOut, 'heldOut');
  if (train) {
    check(train, 'train');
    const both = train.filter((id) => heldOut.includes(id));
    if (both.length) throw new ConfigError(`${where}: data.split: scene ${both.join(', ')} is in both train and heldOut`);
  }
  const held = new Set(heldOut);
  const trains = new Set(train ?? ids.filter((id) => !held.has(id)));
  return { train: ids.filter((id) => trains.has(id)), heldOut: ids.filter((id) => held.has(id)) };
}
