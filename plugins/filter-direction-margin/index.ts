/**
 * Direction margin filter (docs/method.md#quality-filters): drops relative-direction
 * questions too close to call.
 *
 * - single image: |d.x| or |d.z| below `metres` (d = centroid(object 1) -
 *   centroid(object 2) in the camera frame);
 * - multi-view and video: the angle within `degrees` of any quadrant
 *   boundary (0, 90, 180, 270), on either side (the reference code checks
 *   one side only).
 *
 * A value exactly at the margin is kept.
 */
import { definePlugin, z, type Candidate } from '../../core/index.ts';
import { boundaryDistance, cameraDirection, quadrantAngle, refObjects, tapFilter, type SceneIndex } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-direction-margin';

function keepDirection(candidate: Candidate, index: SceneIndex, margins: { metres: number; degrees: number }): boolean {
  const objects = refObjects(candidate, index);
  if (candidate.modality === 'single-image') {
    const shown = index.shown.get(candidate.frames[0]!);
    const c1 = shown?.get(objects[0]!.id)?.centroidCamera;
    const c2 = shown?.get(objects[1]!.id)?.centroidCamera;
    if (!c1 || !c2) return false;
    const { delta } = cameraDirection(c1, c2);
    return Math.abs(delta[0]) >= margins.metres && Math.abs(delta[2]) >= margins.metres;
  }
  const [p, o, q] = objects;
  const theta = quadrantAngle(p!.centroid, o!.centroid, q!.centroid);
  return !Number.isNaN(theta) && boundaryDistance(theta) >= margins.degrees;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Single image: smallest |d.x| and |d.z| in metres. */
    metres: z.number().nonnegative().default(0.1),
    /** Multi-view and video: smallest angle (degrees) to any quadrant boundary. */
    degrees: z.number().min(0).max(45).default(10),
  }),
  apply(ladder, margins) {
    tapFilter(ladder, PLUGIN_NAME, (candidate, { index }) => keepDirection(candidate, index, margins), ['relative-direction']);
  },
});
