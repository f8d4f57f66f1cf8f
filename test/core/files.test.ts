import test from 'ava';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonLine, readJsonLines, writeFileAtomic, writeJsonAtomic } from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';

test('atomic writes leave only the final file', async (t) => {
  const dir = tempDir(t);
  await writeJsonAtomic(join(dir, 'a', 'b.json'), { x: 1 });
  await writeFileAtomic(join(dir, 'a', 'b.json'), '{"x":2}');
  t.deepEqual(readdirSync(join(dir, 'a')), ['b.json']);
  t.is(readFileSync(join(dir, 'a', 'b.json'), 'utf8'), '{"x":2}');
});

test('JSONL: a torn last line (crash mid-append) is skipped, a bad middle line is an error with its line number', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'p.jsonl');
  appendJsonLine(file, { id: 1 });
  appendJsonLine(file, { id: 2 });
  appendFileSync(file, '{"id": 3, "pred');
  t.deepEqual(readJsonLines(file), [{ id: 1 }, { id: 2 }]);
  writeFileSync(file, '{"id":1}\nnot json\n{"id":3}\n');
  t.throws(() => readJsonLines(file), { message: /p\.jsonl:2: malformed JSON line/ });
  t.deepEqual(readJsonLines(join(dir, 'missing.jsonl')), []);
});

test('appending after a crash first cuts the torn last line, so the file stays valid JSONL', (t) => {
  const file = join(tempDir(t), 'metrics.jsonl');
  writeFileSync(file, '{"step":1}\n{"step":2,"lo');
  appendJsonLine(file, { step: 2 });
  appendJsonLine(file, { step: 3 });
  t.is(readFileSync(file, 'utf8'), '{"step":1}\n{"step":2}\n{"step":3}\n');
});
