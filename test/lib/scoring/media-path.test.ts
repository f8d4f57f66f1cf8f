import test from 'ava';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInside } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';

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
  t.throws(() => resolveInside(root, 'images/linked/out.jpg'), { message: /outside .* \(a symbolic link out of the benchmark root\)/ });
  t.throws(() => resolveInside(root, 'images/up/secret.txt'), { message: /symbolic link out of the benchmark root/ });
  t.throws(() => resolveInside(root, 'images/missing.jpg'), { message: /no such file/ });
  t.throws(() => resolveInside(root, ''), { message: /empty path/ });
  t.throws(() => resolveInside(root, 'a\0b'), { message: /NUL/ });
});
