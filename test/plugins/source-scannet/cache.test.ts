import test from 'ava';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_FORMAT, metadataPath, type MetadataFile } from '../../../lib/scannet-format/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { context, scanNet, tinyScan } from './scans.ts';

test('metadata is cached per scene, keyed by options and input files, and rebuilt when they change', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base);
  const cache = join(base, 'cache');
  const first = await scanNet(root).load(id, context(cache));
  const path = metadataPath(cache, 'scannet', id);
  t.is(path, join(cache, 'scenes', 'scannet', `${id}.json`));
  const file = JSON.parse(readFileSync(path, 'utf8')) as MetadataFile;
  t.is(file.format, METADATA_FORMAT);
  t.is(file.version, 1);
  t.regex(file.key, /^[0-9a-f]{64}$/);
  t.deepEqual(file.scene, first);

  // A second load reads the file: prove it by marking the cached copy.
  writeFileSync(path, JSON.stringify({ ...file, scene: { ...file.scene, floorArea: 123.4 } }));
  t.is((await scanNet(root).load(id, context(cache))).floorArea, 123.4);

  // Another option value is another key.
  t.not((await scanNet(root, { depthTolerance: 0.2 }).load(id, context(cache))).floorArea, 123.4);
  writeFileSync(path, JSON.stringify({ ...file, scene: { ...file.scene, floorArea: 123.4 } }));
  t.is((await scanNet(root).load(id, context(cache))).floorArea, 123.4);

  // Touching an input frame changes the key: the scene is read again.
  const depth = join(dir, 'depth', '40.png');
  utimesSync(depth, new Date(), new Date(Date.now() + 5000));
  const again = await scanNet(root).load(id, context(cache));
  t.is(again.floorArea, first.floorArea);
  t.deepEqual(again, first);

  // A corrupt cache file is a miss, not an error.
  writeFileSync(path, '{"format": "spatial-ladder/scene-metadata", "vers');
  t.deepEqual(await scanNet(root).load(id, context(cache)), first);
});
