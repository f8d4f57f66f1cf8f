import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tryImport } from '../../../plugins/model-tiny-vlm/backend.ts';
import { tempDir } from '../../helpers/temp.ts';

test('an optional backend package that is absent is one short note; one that fails to load says why', async (t) => {
  const notes: string[] = [];
  t.false(await tryImport('@tensorflow/tfjs-node-absent', notes));
  t.deepEqual(notes, ['tfjs-node-absent: not installed']);

  // installed but broken (as tfjs-node is when its native library is missing): the first line of the error
  const dir = tempDir(t);
  mkdirSync(join(dir, 'broken'));
  writeFileSync(join(dir, 'broken', 'index.mjs'), "throw new Error('native addon tfjs_binding.node not found\\nstack');\n");
  t.false(await tryImport(join(dir, 'broken', 'index.mjs'), notes));
  t.is(notes[1], `${join(dir, 'broken', 'index.mjs')}: failed to load (native addon tfjs_binding.node not found)`);
});
