/**
 * The same with every runtime model option away from its default (plain
 * JavaScript kernels on the main thread, batching, decode rows, images) and
 * two dataset workers: a resume that loaded a checkpoint with default options
 * would train with other kernels and workers and end with other weights.
 */
import test from 'ava';
import { tempDir } from '../helpers/temp.ts';
import { copyCache, killAndResume, NON_DEFAULT, referenceRun, writeConfig } from './harness.ts';

// the plain kernels really ran on the main thread (`auto` would pick onnxruntime on 2 worker threads)
const reference = referenceRun(NON_DEFAULT, 2, /tiny-vlm: js kernels on the main thread/);

const scenario = (title: string, kills: string[], opts: { freshCache?: boolean } = {}) =>
  test.serial(title, async (t) => {
    const dir = tempDir(t, 'ladder-fault-');
    if (!opts.freshCache) copyCache(reference.dir, dir);
    await killAndResume(t, dir, writeConfig(dir, NON_DEFAULT, 2), kills, reference.dir);
  });

scenario('data build (2 workers): killed after 4 of 5 scenes', ['progress:dataset:4'], { freshCache: true });
scenario('killed as understanding starts: the resume loads the perception checkpoint with its recorded options', ['metric:stage-start/understanding:1']);
scenario('understanding SFT: killed at step 1, before any checkpoint', ['metric:step/understanding:1']);
scenario('understanding evaluation: killed after its line, before state.json recorded it', ['metric:evaluate/understanding:1']);
scenario('cold-start SFT: killed at step 3, after its step-2 checkpoint', ['metric:step/cold-start:4']);
scenario('three kills in a row: GRPO step 3, then the final evaluation after 4 and after 8 rows', ['metric:step/reasoning:3', 'progress:held-out:4', 'progress:held-out:8']);
