/**
 * Splits by scene: a scene's samples are all "train", all "validation" or all
 * "held-out", so a benchmark built from held-out (or validation) samples never
 * shares a scene with training, and tuning on validation never sees a
 * held-out scene.
 *
 *   data.split: { heldOut: 0.2 }                            20% of scenes, drawn with the seed
 *   data.split: { heldOut: 0.2, validation: 0.1 }           and 10% more for validation
 *   data.split: { heldOut: ['scene0011_00'] }                these scenes; every other one trains
 *   data.split: { heldOut: ['scene0011_00'], validation: 0.1 }   and 10% of all scenes, drawn from the others, validate
 *   data.split: { heldOut: [...], validation: [...], train: [...] }   exactly these; other scenes are left out
 */
import { ConfigError, createRandom } from '../../core/index.ts';
import type { DataSettings } from './settings.ts';

export interface SceneSplit {
  train: string[];
  heldOut: string[];
  validation: string[];
}

/** Scenes for a fraction: at least one when the fraction is positive, never all of them. */
function share(fraction: number, total: number): number {
  let n = Math.round(fraction * total);
  if (fraction > 0 && n === 0 && total > 1) n = 1;
  if (fraction < 1 && n >= total && total > 1) n = total - 1;
  return n;
}

/**
 * Validation scenes for a fraction of `total` (rounded: a small source may get
 * none), always leaving a scene of `free` to train on.
 */
function validationCount(fraction: number, total: number, free: number): number {
  return Math.max(0, Math.min(Math.round(fraction * total), free - 1));
}

export function splitScenes(ids: string[], split: DataSettings['split'], seed: number, where: string): SceneSplit {
  if (typeof split.heldOut === 'number') {
    const validation = (split as { validation?: number }).validation ?? 0;
    if (split.heldOut + validation >= 1 && ids.length > 1)
      throw new ConfigError(`${where}: data.split: heldOut ${split.heldOut} + validation ${validation} leave no scene to train on`);
    // held-out scenes are drawn first, so adding a validation share never changes the benchmark
    const shuffled = createRandom(seed, 'split').shuffle([...ids]);
    const nHeld = share(split.heldOut, ids.length);
    const held = new Set(shuffled.slice(0, nHeld));
    const valid = new Set(shuffled.slice(nHeld, nHeld + validationCount(validation, ids.length, ids.length - nHeld)));
    return {
      train: ids.filter((id) => !held.has(id) && !valid.has(id)),
      heldOut: ids.filter((id) => held.has(id)),
      validation: ids.filter((id) => valid.has(id)),
    };
  }
  const known = new Set(ids);
  const check = (list: string[], key: string) => {
    const unknown = list.filter((id) => !known.has(id));
    if (unknown.length) throw new ConfigError(`${where}: data.split.${key}: unknown scene ${unknown.join(', ')} (the source lists ${ids.length} scenes)`);
  };
  const { heldOut, train } = split as { heldOut: string[]; train?: string[] };
  let validation = (split as { validation?: string[] | number }).validation ?? [];
  if (typeof validation === 'number') {
    // a fraction beside scene lists: drawn with the seed from the scenes neither held out nor listed to train
    const free = ids.filter((id) => !heldOut.includes(id) && !train?.includes(id));
    validation = createRandom(seed, 'split').shuffle(free).slice(0, validationCount(validation, ids.length, free.length));
  }
  check(heldOut, 'heldOut');
  check(validation, 'validation');
  const lists: [string, string[]][] = [['heldOut', heldOut], ['validation', validation], ...(train ? [['train', train] as [string, string[]]] : [])];
  if (train) check(train, 'train');
  for (const [i, [a, listA]] of lists.entries())
    for (const [b, listB] of lists.slice(i + 1)) {
      const both = listA.filter((id) => listB.includes(id));
      if (both.length) throw new ConfigError(`${where}: data.split: scene ${both.join(', ')} is in both ${a} and ${b}`);
    }
  const held = new Set(heldOut);
  const valid = new Set(validation);
  const trains = new Set(train ?? ids.filter((id) => !held.has(id) && !valid.has(id)));
  return { train: ids.filter((id) => trains.has(id)), heldOut: ids.filter((id) => held.has(id)), validation: ids.filter((id) => valid.has(id)) };
}
