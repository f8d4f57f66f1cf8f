/**
 * `ladder data check`: proofs about a built dataset.
 *
 * - Splits: no scene has samples in two of the train, held-out and
 *   validation splits, the samples agree with the manifest's scene lists, and
 *   (with `--against`) no training scene of one dataset is a held-out or
 *   validation scene of another.
 * - Samples: unique ids, answers valid for their kind (a letter among the
 *   options, a finite number, grounding JSON with boxes inside the image),
 *   media files present, localization pairs intact.
 * - Coverage: every enabled (dimension, modality) cell of the task x modality table has
 *   training samples, and no answer letter of a multiple-choice task exceeds
 *   its even share by more than `letterSlack` (10 points: 35% for four
 *   options, 60% for relative distance's two).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Modality, Sample } from '../../core/index.ts';
import { LETTERS, SPATIAL_CELLS } from '../../lib/tasks/index.ts';

export interface CheckReport {
  ok: boolean;
  problems: string[];
  scenes: { train: string[]; heldOut: string[]; validation: string[] };
}

/** Scenes per split, from the samples. */
function scenesBySplit(samples: readonly Sample[]): { train: Set<string>; heldOut: Set<string>; validation: Set<string> } {
  const sets = { train: new Set<string>(), heldOut: new Set<string>(), validation: new Set<string>() };
  for (const s of samples) (s.split === 'held-out' ? sets.heldOut : s.split === 'validation' ? sets.validation : sets.train).add(s.scene);
  return sets;
}

/**
 * Cells without training samples and tasks whose answer letters are
 * unbalanced. `cells` defaults to that table (docs/method.md#tasks-and-modalities).
 */
export function coverageProblems(
  samples: readonly Sample[],
  options: { cells?: Readonly<Record<string, readonly Modality[]>>; letterSlack?: number } = {},
): string[] {
  const cells = options.cells ?? SPATIAL_CELLS;
  const slack = options.letterSlack ?? 0.1;
  const problems: string[] = [];
  const train = samples.filter((s) => (s.split ?? 'train') === 'train');
  for (const [task, modalities] of Object.entries(cells))
    for (const modality of modalities)
      if (!train.some((s) => s.task === task && s.modality === modality)) problems.push(`no training sample of ${task} (${modality})`);
  const byTask = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.answerKind !== 'choice') continue;
    const group = byTask.get(s.task);
    if (group) group.push(s);
    else byTask.set(s.task, [s]);
  }
  for (const [task, group] of byTask) {
    const n = Math.max(...group.map((s) => s.options?.length ?? 0));
    // a few samples cannot be split more evenly than ceil(count / n) per letter (5 over 4 letters: 2 of 5)
    const limit = Math.max(1 / n + slack, Math.ceil(group.length / n) / group.length);
    for (const letter of LETTERS.slice(0, n)) {
      const share = group.filter((s) => s.answer === letter).length / group.length;
      if (share > limit + 1e-12)
        problems.push(`${task}: answer ${letter} in ${(100 * share).toFixed(1)}% of ${group.length} samples (limit ${(100 * limit).toFixed(0)}%)`);
    }
  }
  return problems;
}

function boxesProblem(answer: string, width?: number, height?: number): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    return 'answer is not JSON';
  }
  if (!Array.isArray(parsed) || !parsed.length) return 'answer is not a non-empty JSON list';
  for (const item of parsed as { bbox_2d?: unknown; label?: unknown }[]) {
    const box = item.bbox_2d;
    if (typeof item.label !== 'string' || !Array.isArray(box) || box.length !== 4 || !box.every(Number.isInteger))
      return 'an item is not {"bbox_2d": [4 integers], "label": string}';
    const [x1, y1, x2, y2] = box as number[];
    if (x1! < 0 || y1! < 0 || x1! > x2! || y1! > y2! || (width !== undefined && x2! >= width) || (height !== undefined && y2! >= height))
      return `box ${JSON.stringify(box)} lies outside the ${width}x${height} image or is inverted`;
  }
  return undefined;
}

/** Problems with one sample, or none. */
export function sampleProblems(sample: Sample, dir: string, ids: ReadonlyMap<string, Sample>): string[] {
  const out: string[] = [];
  const say = (text: string) => out.push(`${sample.id}: ${text}`);
  if (sample.answerKind === 'choice') {
    const n = sample.options?.length ?? 0;
    if (n < 2) say('a choice question with fewer than two options');
    sample.options?.forEach((o, i) => {
      if (!o.startsWith(`${LETTERS[i]}. `)) say(`option ${i + 1} is not written "${LETTERS[i]}. ..."`);
    });
    if (!LETTERS.slice(0, n).includes(sample.answer) || sample.answer.length !== 1) say(`answer "${sample.answer}" is not one of the option letters`);
  } else if (sample.answerKind === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(sample.answer) || !Number.isFinite(Number(sample.answer))) say(`answer "${sample.answer}" is not a number`);
  } else {
    const image = (sample.facts?.image ?? {}) as { resizedWidth?: number; resizedHeight?: number };
    const problem = boxesProblem(sample.answer, image.resizedWidth, image.resizedHeight);
    if (problem) say(problem);
  }
  if (!sample.media.images.length) say('no images');
  for (const path of [...sample.media.images, ...(sample.media.video ? [sample.media.video] : [])])
    if (!existsSync(join(dir, path))) say(`missing media file ${path}`);
  for (const { phrase, regions } of sample.grounding ?? []) {
    if (!phrase || !sample.question.includes(phrase)) say(`grounding phrase "${phrase}" is not in the question`);
    for (const { image, box } of regions) {
      if (!Number.isInteger(image) || image < 0 || image >= sample.media.images.length) say(`grounding of "${phrase}" names image ${image}, which the sample does not have`);
      const [x1, y1, x2, y2] = box;
      if (!box.every((x) => x >= 0 && x <= 1) || x1 > x2 || y1 > y2) say(`grounding box ${JSON.stringify(box)} of "${phrase}" is not [x1, y1, x2, y2] within [0, 1]`);
    }
  }
  if (sample.pairedWith) {
    const twin = ids.get(sample.pairedWith);
    if (!twin) say(`paired with ${sample.pairedWith}, which is not in the dataset`);
    else if (twin.pairedWith !== sample.id) say(`paired with ${sample.pairedWith}, which is not paired back`);
    else if (twin.scene !== sample.scene || twin.split !== sample.split) say(`paired with ${sample.pairedWith} from another scene or split`);
  } else if (sample.task === 'localization') say('a localization sample without its question');
  return out;
}

export function checkDataset(
  dataset: Dataset,
  against: Dataset[] = [],
  cells?: Readonly<Record<string, readonly Modality[]>>,
): CheckReport {
  const problems: string[] = [];
  const { train, heldOut, validation } = scenesBySplit(dataset.samples);
  const splits = [
    ['train', train],
    ['held-out', heldOut],
    ['validation', validation],
  ] as const;
  for (const [i, [a, scenesA]] of splits.entries())
    for (const [b, scenesB] of splits.slice(i + 1))
      for (const scene of scenesA) if (scenesB.has(scene)) problems.push(`scene ${scene} has samples in both the ${a} and the ${b} split`);
  const listed = (dataset.manifest.scenes ?? {}) as { train?: string[]; heldOut?: string[]; validation?: string[] };
  for (const [split, used, declared] of [
    ['train', train, listed.train],
    ['held-out', heldOut, listed.heldOut],
    ['validation', validation, listed.validation],
  ] as const) {
    const declaredSet = new Set(declared ?? []);
    for (const scene of used) if (!declaredSet.has(scene)) problems.push(`scene ${scene} has ${split} samples but the manifest does not list it as ${split}`);
  }
  for (const other of against) {
    const theirs = scenesBySplit(other.samples);
    for (const scene of train) {
      if (theirs.heldOut.has(scene)) problems.push(`training scene ${scene} is held out in ${other.dir}`);
      if (theirs.validation.has(scene)) problems.push(`training scene ${scene} is a validation scene in ${other.dir}`);
    }
    for (const scene of heldOut) if (theirs.train.has(scene)) problems.push(`held-out scene ${scene} trains in ${other.dir}`);
    for (const scene of validation) if (theirs.train.has(scene)) problems.push(`validation scene ${scene} trains in ${other.dir}`);
  }
  const ids = new Map<string, Sample>();
  for (const s of dataset.samples) {
    if (ids.has(s.id)) problems.push(`sample id ${s.id} appears twice`);
    ids.set(s.id, s);
  }
  for (const s of dataset.samples) problems.push(...sampleProblems(s, dataset.dir, ids));
  problems.push(...coverageProblems(dataset.samples, { cells }));
  return { ok: problems.length === 0, problems, scenes: { train: [...train].sort(), heldOut: [...heldOut].sort(), validation: [...validation].sort() } };
}

/** The cells a dataset was built to cover: the task x modality table narrowed to the manifest's tasks and modalities. */
export function enabledCells(manifest: Record<string, unknown>): Record<string, Modality[]> {
  const tasks = (manifest.tasks ?? []) as { id: string; modalities: Modality[] }[];
  return Object.fromEntries(
    tasks.filter((t) => SPATIAL_CELLS[t.id]).map((t) => [t.id, SPATIAL_CELLS[t.id]!.filter((m) => t.modalities.includes(m))]),
  );
}
