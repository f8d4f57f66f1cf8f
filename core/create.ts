/**
 * `ladder create plugin <name>`: scaffold a community plugin package,
 * `ladder-plugin-<name>/`, in plain JavaScript. It defines a question task
 * with the task library (`spatial-ladder/tasks`), ready to install, test and
 * publish: index.js, index.test.js (node's test runner), README.md and
 * package.json with spatial-ladder as a peer dependency.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { writeFileAtomic } from './files.ts';
import { MODULE_EXTENSION } from './modules.ts';
import { expandName, PACKAGE_ROOT, PACKAGE_VERSION } from './resolve.ts';

export interface Scaffold {
  dir: string;
  packageName: string;
  files: string[];
}

/** Write `ladder-plugin-<name>/` (or `dir`); refuses a folder that is not empty. */
export async function createPlugin(request: string, opts: { dir?: string } = {}): Promise<Scaffold> {
  const packageName = expandName(request, 'plugin');
  const short = basename(request).replace(/^ladder-plugin-/, '');
  if (!/^[a-z][a-z0-9-]*$/.test(short) || (request.includes('/') && !/^@[a-z0-9][\w.-]*\/[^/]+$/.test(request)))
    throw new UsageError(`create plugin ${request}: expected a name of lowercase letters, digits and "-" (e.g. object-height), optionally @scope/name`);
  if (!request.startsWith('@') && existsSync(join(PACKAGE_ROOT, 'plugins', short, `index${MODULE_EXTENSION}`)))
    throw new UsageError(`create plugin ${request}: "${short}" is a built-in plugin: listed by that name the built-in loads, never this package; choose another name (or a scope: @you/${short})`);
  const dir = resolve(opts.dir ?? `ladder-plugin-${short}`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`create plugin ${request}: ${dir} is a file, not a folder`);
  if (existsSync(dir) && readdirSync(dir).length) throw new UsageError(`create plugin ${request}: ${dir} exists and is not empty`);
  const listed = request.startsWith('@') ? `${request.split('/')[0]}/${short}` : short;
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(packageJson(packageName, short), null, 2)}\n`,
    'index.js': indexJs(packageName, short, listed),
    'index.test.js': TEST_JS,
    'README.md': readme(packageName, short, listed),
  };
  for (const [file, text] of Object.entries(files)) await writeFileAtomic(join(dir, file), text);
  return { dir, packageName, files: Object.keys(files) };
}

const packageJson = (packageName: string, short: string) => ({
  name: packageName,
  version: '0.1.0',
  description: `A spatial-ladder plugin: the ${short} question task`,
  type: 'module',
  exports: './index.js',
  files: ['index.js'],
  keywords: ['spatial-ladder', 'ladder-plugin'],
  scripts: { test: 'node --test' },
  peerDependencies: { 'spatial-ladder': `^${PACKAGE_VERSION}` },
  license: 'MIT',
});

const indexJs = (packageName: string, short: string, listed: string) => `// ${packageName}: a spatial-ladder plugin adding the "${short}" question task.
// Users install the package and list it by its short name:
//   plugins: ['${listed}']   or   plugins: [['${listed}', { minCm: 20, modalities: ['video'] }]]
// The example asks for the height of an object (the vertical side of its 3D
// box, in centimetres). Write your own question in \`generate\`: the task library
// (spatial-ladder/tasks) documents the helpers and what a scene holds.
import { MODALITIES, z } from 'spatial-ladder';
import { defineTask, objectFacts, objectTuples, round } from 'spatial-ladder/tasks';

export const TASK_ID = '${short}';

export default defineTask({
  // the plugin's name: what \`['${listed}', false]\` disables and \`ladder inspect\` shows
  name: '${listed}',
  id: TASK_ID,
  // the modalities it can ask in; the \`modalities\` option narrows them
  modalities: MODALITIES,
  options: z.strictObject({
    /** Objects shorter than this are not asked about (centimetres). */
    minCm: z.number().nonnegative().default(10),
  }),
  // one question per object an observation shows, in a seeded order
  generate: (input, options) =>
    objectTuples(input, 1, false, ([object], observation) => {
      const centimetres = object.box.size[2] * 100;
      if (centimetres < options.minCm) return undefined;
      return input.emit({
        frames: observation.frames,
        refs: [object],
        question: \`What is the height of the \${object.category}, measured in centimeters?\`,
        answer: String(Math.round(centimetres)),
        answerKind: 'number',
        facts: { object: objectFacts(object), heightCm: round(centimetres, 1), method: "vertical side of the object's 3D box" },
      });
    }),
});
`;

const TEST_JS = `// Run with \`npm test\` (node's built-in test runner).
import assert from 'node:assert/strict';
import test from 'node:test';
import { createLadder, createRandom } from 'spatial-ladder';
import plugin, { TASK_ID } from './index.js';

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const object = (id, category, size) => ({ id, category, rawCategory: category, centroid: [id, 0, size[2] / 2], box: { center: [id, 0, size[2] / 2], size, yaw: 0 }, pointCount: 100 });

// a room with a table, a lamp and a book, all three in one view
const scene = {
  id: 'room',
  source: 'test',
  dir: '/room',
  floorArea: 12,
  objects: [object(1, 'table', [1.2, 0.8, 0.75]), object(2, 'lamp', [0.3, 0.3, 1.52]), object(3, 'book', [0.2, 0.15, 0.04])],
  views: [
    {
      frame: 0,
      time: 0,
      image: 'color/0.jpg',
      intrinsics: { fx: 500, fy: 500, cx: 320, cy: 240, width: 640, height: 480 },
      cameraToWorld: IDENTITY,
      objects: [1, 2, 3].map((objectId) => ({ objectId, visibility: 0.9, centroidCamera: [0, 0, 2], box2d: [10, 10, 100, 100] })),
    },
  ],
};

async function questions(options) {
  const ladder = await createLadder({ plugins: [[plugin, options ?? {}]] }, { defaults: [] });
  const task = ladder.get('tasks', TASK_ID);
  return [...task.generate(scene, 'single-image', { seed: 1, random: createRandom(1, TASK_ID), options: {} })];
}

test('asks the height of each object in view, in whole centimetres', async () => {
  const asked = (await questions()).map((q) => [q.question, q.answer]).sort();
  assert.deepEqual(asked, [
    ['What is the height of the lamp, measured in centimeters?', '152'],
    ['What is the height of the table, measured in centimeters?', '75'],
  ]);
});

test('minCm sets the shortest object asked about', async () => {
  const asked = (await questions({ minCm: 1 })).map((q) => q.answer).sort();
  assert.deepEqual(asked, ['152', '4', '75']);
});

test('a bad option fails with its name', async () => {
  await assert.rejects(questions({ minCm: -1 }), /minCm/);
});
`;

const readme = (packageName: string, short: string, listed: string) => `# ${packageName}

A spatial-ladder plugin that adds the \`${short}\` question task: the height of
an object, in centimetres, asked in every modality (single image, multi-view,
video).

## Use

\`\`\`sh
npm install ${packageName}
\`\`\`

List it by its short name beside the recipe, and give it to a curriculum stage:

\`\`\`ts
// ladder.config.ts
import { defineConfig } from 'spatial-ladder';

export default defineConfig({
  presets: ['spatial-ladder'],
  plugins: [['${listed}', { minCm: 10 }]],
});
\`\`\`

\`npx ladder data build\` then generates \`${short}\` questions with the other tasks
(the dataset's quality filters apply to them too); a stage trains on them with
\`data: { tasks: ['${short}', ...] }\`.

| option | default | meaning |
|---|---|---|
| \`minCm\` | 10 | objects shorter than this are not asked about |
| \`modalities\` | all three | the modalities to ask in |

A dataset can override them per build with \`data.taskOptions.${short}\`.

## Develop

\`\`\`sh
npm install   # installs spatial-ladder, the peer dependency
npm test
\`\`\`

Try it in a project before publishing: \`npm install ../${packageName.replace(/^@[^/]+\//, '')}\` there.

## Publish

\`\`\`sh
npm publish${packageName.startsWith('@') ? ' --access public' : ''}
\`\`\`

The name \`${packageName}\` is what lets users list it as \`${listed}\`.
`;
