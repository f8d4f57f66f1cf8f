/**
 * Does tiny-vlm learn *where* something is in an image, not only what is
 * there? One coloured square on a light grey ground, at a random place; the
 * default architecture is taught "left" or "right" (of the square's centre)
 * at the ladder's SFT rate and tested on images it has not seen (the
 * where-probe of presets/spatial-ladder/tuning). At lr 1e-3 from the first
 * step (no warm-up) it answers one word to every image (0.505 here). A
 * ground of exactly mid-grey would not test this: its pixels are ~0 and the
 * patch positions alone survive the norm.
 */
import test from 'ava';
import { join } from 'node:path';
import { tempDir } from '../../helpers/temp.ts';
import { colourBlindShare, trainWhere, whereExamples, wherePolicy, whereScores } from '../../../presets/spatial-ladder/tuning/where-probe.ts';

test.serial('tiny-vlm learns where a square is (left or right), on images it was not trained on', async (t) => {
  const dir = tempDir(t);
  const examples = await whereExamples(dir, 700);
  const [train, held] = [examples.slice(0, 500), examples.slice(500)];
  const policy = await wherePolicy(dir, examples);
  t.teardown(() => policy.dispose());
  await trainWhere(policy, train, { steps: 400, lr: 3e-4 }); // the ladder's SFT rate: at 1e-3 it answers one word to every image
  const share = (await whereScores(policy, held)).all;
  t.log(`held-out accuracy ${share.toFixed(3)} on ${held.length} images (chance 0.5)`);
  t.true(share >= 0.9, `held-out accuracy ${share}`);
});

test.serial('with the grounding loss it finds the named square among four within 400 steps, beyond the colour-blind answer', async (t) => {
  const dir = tempDir(t);
  const examples = await whereExamples(dir, 1200, { squares: 4 });
  const [train, held] = [examples.slice(0, 1000), examples.slice(1000)];
  const policy = await wherePolicy(dir, examples);
  t.teardown(() => policy.dispose());
  const losses: number[] = [];
  await trainWhere(policy, train, { steps: 400, lr: 3e-4, ground: 1 }, async (_, loss) => void losses.push(loss!));
  const share = (await whereScores(policy, held)).all;
  const blind = colourBlindShare(held);
  t.log(`held-out accuracy ${share.toFixed(3)} (colour-blind ${blind.toFixed(3)}); grounding loss ${losses[0]!.toFixed(2)} -> ${losses.at(-1)!.toFixed(2)}`);
  t.true(losses.at(-1)! < 0.5 * losses[0]!);
  t.true(share >= blind + 0.1, `held-out accuracy ${share} against the colour-blind ${blind}`); // without the loss: 0.525 at step 400
});

test("the where-probe's colour-blind baseline: the majority side of the squares, half a point on a tie", async (t) => {
  const example = (completion: 'left' | 'right', majority?: 'left' | 'right') => ({ input: { prompt: '', images: [] }, completion, colour: 'red' as const, majority, grounding: [] });
  t.is(colourBlindShare([example('left', 'left'), example('left', 'right'), example('right')]), 0.5);
  const dir = tempDir(t);
  t.is(colourBlindShare(await whereExamples(join(dir, '1'), 20)), 1, 'a lone square is always on the majority side');
  const four = await whereExamples(join(dir, '4'), 80, { squares: 4 });
  t.true(four.some((e) => e.majority === undefined), 'two squares a side: a tie');
  t.true(four.some((e) => e.majority !== undefined && e.majority !== e.completion), 'the asked square outvoted');
  t.true(four.some((e) => e.majority === e.completion));
});
