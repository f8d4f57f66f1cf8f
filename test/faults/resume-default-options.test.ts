/**
 * SIGKILL a shrunk run (default model options) at points spread over the data
 * build, evaluation, SFT, cold start and GRPO; each resumed run ends exactly
 * as the uninterrupted one (harness.ts says what is compared).
 */
import test from 'ava';
import { tempDir } from '../helpers/temp.ts';
import { copyCache, DEFAULT, killAndResume, referenceRun, writeConfig } from './harness.ts';

const reference = referenceRun(DEFAULT);

const scenario = (title: string, kills: string[], opts: { freshCache?: boolean } = {}) =>
  test.serial(title, async (t) => {
    const dir = tempDir(t, 'ladder-fault-');
    if (!opts.freshCache) copyCache(reference.dir, dir);
    await killAndResume(t, dir, writeConfig(dir, DEFAULT), kills, reference.dir);
  });

scenario('data build: killed after 2 of 5 scenes', ['progress:dataset:2'], { freshCache: true });
scenario('base evaluation: killed after 4 of 12 rows were predicted', ['progress:held-out:4']);
scenario('perception SFT: killed at step 3, after its step-2 checkpoint', ['metric:step/perception:3']);
scenario('understanding: killed after its stage-end line, before state.json recorded it', ['metric:stage-end/understanding:1']);
scenario('cold start: killed while the teacher had answered 8 of 16 questions', ['progress:cold-start (teacher:8']);
scenario('GRPO killed at step 2 before its checkpoint, then the final evaluation killed after 8 rows', ['metric:step/reasoning:2', 'progress:held-out:8']);
