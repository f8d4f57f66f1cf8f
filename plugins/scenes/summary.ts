/** One line per scene for `ladder data scenes`. */
import type { Scene } from '../../core/index.ts';

export interface SceneSummary {
  id: string;
  objects: number;
  /** Distinct categories among the objects. */
  categories: number;
  views: number;
  /** Mean visibility over every (view, object) pair listed in the views. */
  meanVisibility: number;
  floorArea: number;
  notes: string[];
  /** The scene's metadata file. */
  metadata: string;
}

export function summarize(scene: Scene, metadata: string): SceneSummary {
  const pairs = scene.views.flatMap((v) => v.objects.map((o) => o.visibility));
  return {
    id: scene.id,
    objects: scene.objects.length,
    categories: new Set(scene.objects.map((o) => o.category)).size,
    views: scene.views.length,
    meanVisibility: pairs.length ? Math.round((pairs.reduce((a, b) => a + b, 0) / pairs.length) * 1000) / 1000 : 0,
    floorArea: Math.round(scene.floorArea * 10) / 10,
    notes: scene.notes ?? [],
    metadata,
  };
}
