/**
 * Two processes on one run name: while a run holds its directory (paused
 * mid-stage by the kill switch), a second `run`, `run --resume`, `run
 * --force` and `train` are refused with exit code 2 naming the holder, and
 * the first run then finishes exactly as an uninterrupted one. `--resume` of
 * a run that does not exist exits 2.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../helpers/temp.ts';
import { assertSameRun, copyCache, DEFAULT, ladder, referenceRun, runDir, writeConfig } from './harness.ts';

const reference = referenceRun(DEFAULT);

test('a second process on a live run is refused (exit 2, holder named) and --force deletes nothing; the first finishes intact', async (t) => {
  const dir = tempDir(t, 'ladder-fault-');
  copyCache(reference.dir, dir);
  const config = writeConfig(dir, DEFAULT);
  const pauseDir = tempDir(t, 'ladder-pause-');
  const first = ladder(['run', '-c', config], { LADDER_TEST_PAUSE: 'metric:step/understanding:2', LADDER_TEST_PAUSE_DIR: pauseDir });
  // wait for the state, not for a time: the first run writes `paused` when it holds the run mid-stage
  let ended = false;
  void first.then(() => (ended = true));
  while (!existsSync(join(pauseDir, 'paused')) && !ended) await sleep(50);
  if (ended) return t.fail(`the first run ended before its pause point:\n${(await first).output.slice(-3000)}`);
  const files = () => readdirSync(runDir(dir), { recursive: true }).map(String).sort();
  const before = files();
  const metrics = readFileSync(join(runDir(dir), 'metrics.jsonl'), 'utf8');
  for (const args of [['run'], ['run', '--resume'], ['run', '--force'], ['train', '--force']]) {
    const second = await ladder([...args, '-c', config]);
    t.is(second.code, 2, `${args.join(' ')}: ${second.output}`);
    t.regex(second.output, new RegExp(`ladder: run directory .*fault is in use by pid ${first.pid} on .* \\(since \\d{4}-\\d\\d-\\d\\dT[^)]*: .*bin\\.mjs run -c .*ladder\\.config\\.json\\); wait for it to finish, or stop it`), args.join(' '));
  }
  t.deepEqual(files(), before, 'nothing in the live run directory was added or removed');
  t.is(readFileSync(join(runDir(dir), 'metrics.jsonl'), 'utf8'), metrics);
  writeFileSync(join(pauseDir, 'resume'), '');
  const finished = await first;
  t.is(finished.code, 0, finished.output.slice(-3000));
  assertSameRun(t, dir, reference.dir);
});

test('--resume of a run that does not exist exits 2 and says there is nothing to resume', async (t) => {
  const dir = tempDir(t, 'ladder-fault-');
  const out = await ladder(['run', '-c', writeConfig(dir, DEFAULT), '--name', 'never-started', '--resume']);
  t.is(out.code, 2, out.output);
  t.regex(out.output, /ladder: --resume: nothing to resume: .*never-started holds no run \(no state\.json\); start it without --resume/);
  t.false(existsSync(join(dir, 'runs', 'never-started')));
  t.false(existsSync(join(dir, 'cache')), 'no dataset was built');
});
