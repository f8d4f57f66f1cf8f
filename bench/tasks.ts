/**
 * bench/tasks: candidate questions per second from cached scene metadata, on
 * one core (this thread), through every task generator (docs/method.md#tasks-and-modalities);
 * then the same candidates through the quality filters. Target: at least
 * 2,000 candidates/s.
 *
 * Until real cached scenes exist, the bench writes synthetic scene metadata
 * of realistic size (30-60 objects, 50-300 views, objects per view from
 * projecting boxes into a 1296x968 pinhole camera) to a JSON file and reads
 * it back, as a source's cache would be read.
 *
 *   node --import tsx bench/tasks.ts [--scenes 8] [--candidates 60]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLadder, createRandom, runFilters, type Candidate, type Scene } from '../core/index.ts';
import { syntheticScene } from '../test/helpers/synthetic-scene.ts';
import { ALL_FILTERS, ALL_TASKS } from '../test/helpers/tiny-scene.ts';

const TARGET = 2000;
const { values } = parseArgs({ options: { scenes: { type: 'string', default: '8' }, candidates: { type: 'string', default: '60' } } });
const sceneCount = Number(values.scenes);
const limit = Number(values.candidates);

// scene metadata, written and read back like a source's cache
const dir = mkdtempSync(join(tmpdir(), 'bench-tasks-'));
const sizes = Array.from({ length: sceneCount }, (_, i) => ({ objects: 30 + ((i * 11) % 31), views: 50 + ((i * 97) % 251) }));
for (const [i, size] of sizes.entries())
  writeFileSync(join(dir, `scene${i}.json`), JSON.stringify(syntheticScene({ id: `scene${i}`, seed: 11, ...size })));
const scenes: Scene[] = sizes.map((_, i) => JSON.parse(readFileSync(join(dir, `scene${i}.json`), 'utf8')) as Scene);
rmSync(dir, { recursive: true, force: true });

const ladder = await createLadder(
  { plugins: [...ALL_TASKS.map((t) => `task-${t}`), ...ALL_FILTERS.filter((f) => f !== 'caps').map((f) => `filter-${f}`)] },
  { defaults: [] },
);
const tasks = ALL_TASKS.filter((t) => t !== 'localization').map((id) => ladder.get('tasks', id));

function generateAll(scene: Scene): Candidate[] {
  const out: Candidate[] = [];
  for (const task of tasks)
    for (const modality of task.modalities) {
      let n = 0;
      for (const c of task.generate(scene, modality, { seed: 1, random: createRandom(1, `${scene.id}/${task.id}/${modality}`), options: {} })) {
        out.push(c);
        if (++n >= limit) break;
      }
    }
  return out;
}

// warm-up on a copy (the scene index is memoised per scene object)
generateAll(structuredClone(scenes[0]!));

let generated = 0;
let kept = 0;
let generateMs = 0;
let filterMs = 0;
const drops: Record<string, number> = {};
console.log(`${sceneCount} scenes, up to ${limit} candidates per (scene, task, modality), one thread`);
console.log('scene     objects  views  objects/view  candidates  gen/s');
for (const scene of scenes) {
  const started = performance.now();
  const candidates = generateAll(scene);
  const ms = performance.now() - started;
  const filterStart = performance.now();
  const { kept: survivors, drops: dropped } = await runFilters(ladder, candidates, { scene, seed: 1 });
  for (const [name, n] of Object.entries(dropped)) drops[name] = (drops[name] ?? 0) + n;
  filterMs += performance.now() - filterStart;
  generateMs += ms;
  generated += candidates.length;
  kept += survivors.length;
  const perView = scene.views.reduce((a, v) => a + v.objects.length, 0) / scene.views.length;
  console.log(
    `${scene.id.padEnd(9)} ${String(scene.objects.length).padStart(7)} ${String(scene.views.length).padStart(6)} ${perView.toFixed(1).padStart(13)} ${String(candidates.length).padStart(11)} ${Math.round((candidates.length * 1000) / ms).toString().padStart(6)}`,
  );
}
const rate = Math.round((generated * 1000) / generateMs);
const filterRate = Math.round((generated * 1000) / filterMs);
console.log(`\ngenerated ${generated} candidates in ${generateMs.toFixed(0)} ms: ${rate} candidates/s (target ${TARGET}/s: ${rate >= TARGET ? 'met' : 'NOT met'})`);
console.log(`filtered them in ${filterMs.toFixed(0)} ms: ${filterRate} candidates/s; kept ${kept}; dropped ${JSON.stringify(drops)}`);
console.log(JSON.stringify({ bench: 'tasks', scenes: sceneCount, candidates: generated, candidatesPerSecond: rate, filteredPerSecond: filterRate, target: TARGET, targetMet: rate >= TARGET }));
