import test from 'ava';
import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveImage, resolveInside } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeImage } from './benchmark-files.ts';

test('media paths cannot escape the benchmark root', (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'bench');
  mkdirSync(join(root, 'images', 'scene0001_00'), { recursive: true });
  writeFileSync(join(root, 'images', 'scene0001_00', '0.jpg'), 'x');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  mkdirSync(join(root, 'images', 'linked'));
  symlinkSync(join(dir, 'secret.txt'), join(root, 'images', 'linked', 'out.jpg'));
  symlinkSync(join(root, 'images', 'scene0001_00', '0.jpg'), join(root, 'images', 'linked', 'in.jpg'));
  symlinkSync(dir, join(root, 'images', 'up'));

  t.is(resolveInside(root, 'images/scene0001_00/0.jpg'), join(root, 'images', 'scene0001_00', '0.jpg'));
  t.is(resolveInside(root, 'images/linked/in.jpg'), join(root, 'images', 'linked', 'in.jpg'), 'a link that stays inside is fine');
  t.throws(() => resolveInside(root, '../secret.txt', 'image'), { message: /image "..\/secret.txt": ".." is not allowed/ });
  t.throws(() => resolveInside(root, 'images/../../secret.txt'), { message: /".." is not allowed/ });
  t.throws(() => resolveInside(root, 'images\\..\\..\\secret.txt'), { message: /".." is not allowed/ });
  t.throws(() => resolveInside(root, join(dir, 'secret.txt')), { message: /absolute paths are not allowed/ });
  t.throws(() => resolveInside(root, 'C:\\data\\x.jpg'), { message: /absolute paths are not allowed/ });
  t.throws(() => resolveInside(root, 'images/linked/out.jpg'), { message: /outside .* \(a symbolic link out of the benchmark root; / });
  t.throws(() => resolveInside(root, 'images/up/secret.txt'), { message: /symbolic link out of the benchmark root/ });
  t.throws(() => resolveInside(root, 'images/missing.jpg'), { message: /no such file/ });
  t.throws(() => resolveInside(root, ''), { message: /empty path/ });
  t.throws(() => resolveInside(root, 'a\0b'), { message: /NUL/ });

  // links the user trusts (a data folder of links to other disks): followed; paths still cannot climb out
  t.regex(t.throws(() => resolveInside(root, 'images/up/secret.txt'))!.message, /set the benchmark's option symlinks: 'follow'/);
  t.is(resolveInside(root, 'images/linked/out.jpg', 'image', 'follow'), join(root, 'images', 'linked', 'out.jpg'));
  t.is(resolveInside(root, 'images/up/secret.txt', 'image', 'follow'), join(root, 'images', 'up', 'secret.txt'));
  t.throws(() => resolveInside(root, '../secret.txt', 'image', 'follow'), { message: /".." is not allowed/ });
  t.throws(() => resolveInside(root, join(dir, 'secret.txt'), 'image', 'follow'), { message: /absolute paths are not allowed/ });
});

test('an image is decoded once per version of the file: written again, it is checked again', async (t) => {
  const root = tempDir(t);
  const file = join(root, 'view.jpg');
  await writeImage(file, 3);
  const time = 1_700_000_000; // whole seconds, which utimes sets exactly
  utimesSync(file, time, time);
  t.is(await resolveImage(root, 'view.jpg'), file);
  // garbage of the same size and modification time is the same version: not decoded again
  const { size } = statSync(file);
  writeFileSync(file, Buffer.alloc(size, 0x41));
  utimesSync(file, time, time);
  t.is(await resolveImage(root, 'view.jpg'), file);
  // a new modification time (any rewrite) is another version: decoded, and refused
  utimesSync(file, time, time + 1);
  await t.throwsAsync(resolveImage(root, 'view.jpg'), { message: /image "view.jpg": cannot be decoded/ });
  // so is a file of another size, and the same bad version asked twice fails twice
  writeFileSync(file, Buffer.alloc(size - 1, 0x41));
  for (let i = 0; i < 2; i++) await t.throwsAsync(resolveImage(root, 'view.jpg'), { message: /cannot be decoded/ });
});
