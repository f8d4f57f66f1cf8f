/**
 * Relative direction (docs/method.md#answer-rules).
 *
 * Single image: where object 1 is relative to object 2 from the camera,
 * with d = centroid(1) - centroid(2) in the camera frame: left/right by d.x,
 * front (farther) / back by d.z. References: object 1, object 2.
 *
 * Multi-view and video: standing by the positioning object P facing the
 * orienting object O, the quadrant of the querying object Q: the angle from
 * O - P to Q - P on the floor plane, counter-clockwise seen from +Z.
 * References: P, O, Q.
 *
 * Near-boundary cases are `filter-direction-margin`'s to drop.
 */
import { MODALITIES, type Vec3 } from '../../core/index.ts';
import {
  CAMERA_DIRECTIONS,
  cameraDirection,
  defineTask,
  objectFacts,
  objectTuples,
  QUADRANTS,
  quadrantAngle,
  quadrantOf,
  round,
  shuffledOptions,
  TEMPLATES,
} from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-relative-direction';

/** The order the question lists the choices in (the options' letters are drawn separately). */
const SINGLE_CHOICES = CAMERA_DIRECTIONS;
const MULTI_CHOICES = ['front-left', 'front-right', 'back-left', 'back-right'] as const;

const r3 = (v: readonly number[]) => v.map((x) => round(x, 3));

export default defineTask({
  name: PLUGIN_NAME,
  id: 'relative-direction',
  modalities: MODALITIES,
  generate: (input) =>
    input.modality === 'single-image'
      ? objectTuples(input, 2, true, ([o1, o2], observation, random) => {
          const shown = input.index.shown.get(observation.frames[0]!)!;
          const c1 = shown.get(o1!.id)!.centroidCamera;
          const c2 = shown.get(o2!.id)!.centroidCamera;
          const { label, delta } = cameraDirection(c1, c2);
          return input.emit({
            frames: observation.frames,
            refs: [o1!, o2!],
            question: TEMPLATES.directionSingle(o1!.category, o2!.category, SINGLE_CHOICES),
            ...shuffledOptions(SINGLE_CHOICES, SINGLE_CHOICES.indexOf(label), random),
            answerKind: 'choice',
            facts: {
              objects: [o1!, o2!].map((o, i) => ({ ...objectFacts(o), centroidCamera: r3([c1, c2][i]!) })),
              delta: r3(delta),
              label,
              method: 'd = centroid(object 1) - centroid(object 2) in the camera frame (x right, z forward): left if d.x < 0, front if d.z > 0',
            },
          });
        })
      : objectTuples(input, 3, true, ([p, o, q], observation, random) => {
          const theta = quadrantAngle(p!.centroid, o!.centroid, q!.centroid);
          if (Number.isNaN(theta)) return undefined;
          const label = quadrantOf(theta);
          const planar = (v: Vec3) => [round(v[0] - p!.centroid[0], 3), round(v[1] - p!.centroid[1], 3)];
          return input.emit({
            frames: observation.frames,
            refs: [p!, o!, q!],
            question: TEMPLATES.directionMulti(p!.category, o!.category, q!.category, MULTI_CHOICES),
            ...shuffledOptions(MULTI_CHOICES, MULTI_CHOICES.indexOf(label), random),
            answerKind: 'choice',
            facts: {
              positioning: objectFacts(p!),
              orienting: objectFacts(o!),
              querying: objectFacts(q!),
              forward: planar(o!.centroid),
              query: planar(q!.centroid),
              angle: round(theta, 2),
              label,
              quadrants: QUADRANTS.map((name, i) => `${name}: [${i * 90}, ${i * 90 + 90}) degrees counter-clockwise from forward`),
            },
          });
        }),
});
