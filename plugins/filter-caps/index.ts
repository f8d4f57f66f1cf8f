/**
 * Caps (paper B.1: "limiting questions per scene" and "restricting the
 * number of samples constructed from the same object type within a scene").
 * Runs after every other filter (`order: 'post'`). Candidates are taken one
 * (task, modality) cell at a time in turn, each cell in a seeded order, so
 * small cells are not crowded out; a candidate is kept while the scene is
 * under `perScene`, its cell under `perCell` and each category it names
 * under `perCategory`. Survivors keep their original order.
 */
import { createRandom, definePlugin, z, type Candidate } from '../../core/index.ts';

const PLUGIN_NAME = 'filter-caps';

export interface Caps {
  perScene: number;
  perCategory: number;
  perCell?: number;
}

export function applyCaps(candidates: Candidate[], caps: Caps, seed: number, sceneId: string): Candidate[] {
  const random = createRandom(seed, `caps/${sceneId}`);
  const cells = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.task}/${c.modality}`;
    const cell = cells.get(key);
    if (cell) cell.push(c);
    else cells.set(key, [c]);
  }
  const queues = [...cells.keys()].sort().map((key) => ({ key, queue: random.fork(key).shuffle([...cells.get(key)!]), taken: 0 }));
  const kept = new Set<Candidate>();
  const perCategory = new Map<string, number>();
  while (kept.size < caps.perScene && queues.some((q) => q.queue.length)) {
    for (const cell of queues) {
      if (kept.size >= caps.perScene) break;
      if (caps.perCell !== undefined && cell.taken >= caps.perCell) cell.queue.length = 0;
      while (cell.queue.length) {
        const candidate = cell.queue.shift()!;
        const categories = [...new Set(candidate.refs.map((r) => r.category))];
        if (categories.some((c) => (perCategory.get(c) ?? 0) >= caps.perCategory)) continue;
        for (const c of categories) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
        kept.add(candidate);
        cell.taken++;
        break;
      }
    }
  }
  return candidates.filter((c) => kept.has(c));
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Questions kept per scene. */
    perScene: z.number().int().positive().default(40),
    /** Questions per (scene, category): a question counts towards every category it names. */
    perCategory: z.number().int().positive().default(12),
    /** Questions per (scene, task, modality); no limit by default. */
    perCell: z.number().int().positive().optional(),
  }),
  apply(ladder, caps) {
    ladder.hooks.filters.tap({ name: PLUGIN_NAME, order: 'post' }, (candidates, ctx) => applyCaps(candidates, caps, ctx.seed, ctx.scene.id));
  },
});
