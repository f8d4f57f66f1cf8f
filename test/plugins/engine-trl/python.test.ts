import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enginePython, venvDir } from '../../../plugins/engine-trl/index.ts';
import { ladder, requirePython } from '../../helpers/engine-trl.ts';
import { tempDir } from '../../helpers/temp.ts';

test('the environment lives in the user cache, keyed by the pinned requirements and the Python minor version', (t) => {
  const env = { XDG_CACHE_HOME: '/home/me/.cache' };
  const pins = 'torch==2.13.0\ntrl==1.13.0\n';
  const dir = venvDir(pins, '3.11.7', env);
  t.regex(dir, /^\/home\/me\/\.cache\/spatial-ladder\/venv-[0-9a-f]{12}$/);
  t.is(venvDir(pins, '3.11.2', env), dir, 'a patch release shares it');
  t.not(venvDir(pins, '3.12.1', env), dir);
  t.not(venvDir('torch==2.13.0\ntrl==1.14.0\n', '3.11.7', env), dir, 'a changed pin makes a new one');
  t.is(venvDir(pins, '3.11.7', { ...env, LADDER_CACHE_HOME: '/scratch/ladder' }).replace(/venv-.*/, ''), '/scratch/ladder/');
});

test('without the environment, the engine and its tests fail with the command that sets it up (never a silent skip)', (t) => {
  const empty = tempDir(t);
  t.throws(() => enginePython({ LADDER_CACHE_HOME: empty }), { message: /the Python environment is not set up \(.* is missing\): run `npx ladder setup trl`/ });
  const failures: string[] = [];
  const saved = process.env.LADDER_CACHE_HOME;
  process.env.LADDER_CACHE_HOME = empty;
  try {
    t.throws(() => requirePython({ fail: (message?: string) => void failures.push(message ?? '') }));
  } finally {
    if (saved === undefined) delete process.env.LADDER_CACHE_HOME;
    else process.env.LADDER_CACHE_HOME = saved;
  }
  t.is(failures.length, 1);
  t.regex(failures[0]!, /npx ladder setup trl && npm test/);
});

test('ladder setup trl, when the environment is ready, does nothing and reports the pinned versions', (t) => {
  requirePython(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ladder.config.json'), JSON.stringify({ plugins: ['engine-trl'] }));
  const run = ladder(dir, ['setup', 'trl', '--json']);
  t.is(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { installed: boolean; dir: string; freeze: string[] };
  t.false(result.installed);
  t.is(result.dir, venvDir());
  for (const pin of ['transformers==5.17.0', 'trl==1.13.0', 'accelerate==1.15.0', 'datasets==5.0.1', 'peft==0.21.0']) t.true(result.freeze.includes(pin), pin);
  t.true(result.freeze.some((line) => /^torch==2\.13\.0(\+\w+)?$/.test(line)));
});
