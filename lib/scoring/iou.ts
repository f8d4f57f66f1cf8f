/**
 * Localization scoring (docs/method.md#rewards, stage-1 evaluation): mean IoU of
 * predicted boxes matched to ground-truth boxes by label.
 *
 * Answers use Qwen2.5-VL's grounding form, a JSON list of
 * `{"bbox_2d": [x1, y1, x2, y2], "label": "chair"}` in pixels of the image as
 * the model sees it. The rules, decided here:
 * - The JSON is read from the last `<answer>` block when there is one, and
 *   one surrounding Markdown code fence (```json ... ```) is removed. A lone
 *   object counts as a list of one. Text that is not JSON, or JSON that is not
 *   an object or a list of objects, scores 0.
 * - Labels match case-insensitively after trimming. Each ground-truth box is
 *   matched to at most one predicted box of its label, greedily by highest
 *   IoU (ties: earlier boxes first).
 * - score = sum of matched IoUs / (ground-truth boxes + unmatched predicted
 *   boxes): a missing box adds 0, and an extra, duplicate or malformed one
 *   (no label, not four finite numbers) enlarges the denominator.
 * - A box that is degenerate (x2 <= x1 or y2 <= y1) or reaches outside the
 *   image ([0, width] x [0, height]) has IoU 0 with everything: where it
 *   is matched it scores 0, and a better box of the same label leaves it
 *   unmatched (counted in the denominator).
 */
import type { Box2D, Sample } from '../../core/index.ts';
import { answerText } from './extract.ts';

export interface LabeledBox {
  label: string;
  box: Box2D;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** IoU of two boxes; 0 when either is degenerate. */
export function boxIoU(a: Box2D, b: Box2D): number {
  if (!(a[2] > a[0] && a[3] > a[1] && b[2] > b[0] && b[3] > b[1])) return 0;
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

const FENCE = /^\s*```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```\s*$/;

/**
 * Boxes of a grounding answer: null when it is not JSON of the right shape;
 * otherwise one entry per list element, null for a malformed element.
 */
export function parseBoxes(text: string): (LabeledBox | null)[] | null {
  let body = answerText(text);
  body = FENCE.exec(body)?.[1] ?? body;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const list = Array.isArray(json) ? json : [json];
  if (!list.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) return null;
  return list.map((item: Record<string, unknown>) => {
    const box = item.bbox_2d;
    if (typeof item.label !== 'string' || !item.label.trim()) return null;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
    return { label: item.label, box: box as Box2D };
  });
}

const inside = (box: Box2D, size?: ImageSize) =>
  !size || (box[0] >= 0 && box[1] >= 0 && box[2] <= size.width && box[3] <= size.height);

/** Localization score in [0, 1] of a completion against the ground-truth answer (see the rules above). */
export function localizationScore(completion: string, truth: readonly LabeledBox[], size?: ImageSize): number {
  if (!truth.length) throw new Error('localization ground truth has no boxes');
  const predicted = parseBoxes(completion);
  if (!predicted) return 0;
  const key = (label: string) => label.trim().toLowerCase();
  const pairs: { p: number; g: number; iou: number }[] = [];
  predicted.forEach((pred, p) => {
    if (!pred) return;
    truth.forEach((gt, g) => {
      if (key(pred.label) === key(gt.label)) pairs.push({ p, g, iou: inside(pred.box, size) ? boxIoU(pred.box, gt.box) : 0 });
    });
  });
  pairs.sort((x, y) => y.iou - x.iou || x.p - y.p || x.g - y.g);
  const usedP = new Set<number>();
  const usedG = new Set<number>();
  let total = 0;
  for (const { p, g, iou } of pairs) {
    if (usedP.has(p) || usedG.has(g)) continue;
    usedP.add(p);
    usedG.add(g);
    total += iou;
  }
  return total / (truth.length + predicted.length - usedP.size);
}

/** Ground-truth boxes of a localization sample; throws when its answer is malformed (a data error). */
export function truthBoxes(answer: string, where: string): LabeledBox[] {
  const boxes = parseBoxes(answer);
  if (!boxes?.length || boxes.some((b) => b === null))
    throw new Error(`${where}: the answer is not a JSON list of {"bbox_2d": [x1, y1, x2, y2], "label": ...}`);
  return boxes as LabeledBox[];
}

/**
 * Size of the image the boxes refer to (the image as the model sees it),
 * from the sample's facts: `image: { resizedWidth, resizedHeight }` (what
 * the localization task writes), else `imageSize` as `[width, height]` or
 * `{ width, height }`; undefined when neither is recorded (then only
 * degenerate boxes are caught, not boxes outside the image).
 */
export function imageSizeOf(facts: Sample['facts']): ImageSize | undefined {
  const size = (width: unknown, height: unknown) =>
    typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 ? { width, height } : undefined;
  const image = facts?.image as Record<string, unknown> | undefined;
  const given = facts?.imageSize;
  if (image && typeof image === 'object') {
    const resized = size(image.resizedWidth, image.resizedHeight);
    if (resized) return resized;
  }
  if (Array.isArray(given)) return size(given[0], given[1]);
  if (given && typeof given === 'object') return size((given as ImageSize).width, (given as ImageSize).height);
  return undefined;
}
