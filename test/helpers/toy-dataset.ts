/**
 * A small but real dataset for training tests and benchmarks: samples shaped
 * like the spatial ladder's (localization, counting, size, relative
 * direction), each with 1-8 JPEG views written by sharp, facts a teacher
 * can read and the asked box's grounding. Same (count, seed) -> same bytes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRandom, type Dataset, type Sample } from '../../core/index.ts';

const COLOURS = { red: '#d62728', green: '#2ca02c', blue: '#1f77b4', yellow: '#f5d800' } as const;
type Colour = keyof typeof COLOURS;
const NAMES = Object.keys(COLOURS) as Colour[];
const LETTERS = ['A', 'B', 'C', 'D'];
const DIRECTIONS = ['left-front', 'left-back', 'right-front', 'right-back'];

export interface ToyDatasetOptions {
  count: number;
  seed?: number;
  /** Views per sample, inclusive range. */
  images?: [number, number];
  size?: [number, number];
}

async function view(path: string, shapes: { colour: Colour; box: [number, number, number, number] }[], [w, h]: [number, number]) {
  const rects = shapes
    .map(({ colour, box: [x1, y1, x2, y2] }) => `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="${COLOURS[colour]}"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#808080"/>${rects}</svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toFile(path);
}

export async function writeToyDataset(dir: string, options: ToyDatasetOptions): Promise<Dataset> {
  const { count, seed = 1, images: [lo, hi] = [1, 3], size = [112, 84] } = options;
  const random = createRandom(seed, 'toy-dataset');
  mkdirSync(join(dir, 'media'), { recursive: true });
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const n = lo + random.int(hi - lo + 1);
    const colour = NAMES[random.int(NAMES.length)]!;
    const objects = NAMES.map((c) => {
      const x = random.int(size[0] - 30);
      const y = random.int(size[1] - 30);
      const s = 10 + random.int(20);
      return { category: `${c} box`, colour: c, box: [x, y, x + s, y + s] as [number, number, number, number], size: s * 4 };
    });
    const paths: string[] = [];
    for (let v = 0; v < n; v++) {
      const rel = join('media', `s${i}-v${v}.jpg`);
      await view(join(dir, rel), objects.map((o) => ({ colour: o.colour, box: o.box })), size);
      paths.push(rel);
    }
    const target = objects.find((o) => o.colour === colour)!;
    const kind = i % 4;
    // where the asked box shows: the same place in every view
    const box = target.box.map((x, k) => x / size[k % 2]!) as [number, number, number, number];
    const grounding = [{ phrase: target.category, regions: paths.map((_, image) => ({ image, box })) }];
    const base = { id: `toy-${i}`, scene: `scene${i % 5}`, media: { images: paths }, split: 'train' as const, grounding };
    const facts = { objects: objects.map((o) => ({ category: o.category, box2d: o.box, size_cm: o.size })) };
    if (kind === 0) {
      samples.push({
        ...base,
        task: 'localization',
        modality: 'single-image',
        question: `Where is the ${colour} box? Please carefully observe the image first to identify the object(s) referred to in the question. Then provide the 2D bounding box coordinates and labels of the related objects in JSON format.`,
        answer: JSON.stringify([{ bbox_2d: target.box, label: target.category }]),
        answerKind: 'boxes',
        facts: { ...facts, image: { width: size[0], height: size[1], resizedWidth: size[0], resizedHeight: size[1] } },
      });
    } else if (kind === 1) {
      samples.push({
        ...base,
        task: 'object-size',
        modality: n > 1 ? 'multi-view' : 'single-image',
        question: `What is the length of the longest dimension (length, width, or height) of the ${colour} box, measured in centimeters?`,
        answer: String(target.size),
        answerKind: 'number',
        facts: { ...facts, answer_cm: target.size },
      });
    } else {
      const options = random.shuffle([...DIRECTIONS]);
      const truth = DIRECTIONS[(i + random.int(4)) % 4]!;
      samples.push({
        ...base,
        task: kind === 2 ? 'relative-direction' : 'object-counting',
        modality: n > 1 ? 'multi-view' : 'single-image',
        question: `From the camera's perspective, is the ${colour} box to the grey wall's ${options.join(', ')}?`,
        options: options.map((o, k) => `${LETTERS[k]}. ${o}`),
        answer: LETTERS[options.indexOf(truth)]!,
        answerKind: 'choice',
        facts: { ...facts, direction: truth },
      });
    }
  }
  return { dir, manifest: { source: 'toy', count, seed }, samples };
}
