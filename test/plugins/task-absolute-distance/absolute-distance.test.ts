import test from 'ava';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';

const cube = (id: number, category: string, x: number, y: number, yaw = 0) => ({ id, category, center: [x, y, 0.5] as [number, number, number], size: [1, 1, 1] as [number, number, number], yaw });

const scene = tinyScene({
  objects: [cube(1, 'chair', 0, 0), cube(2, 'table', 3, 0), cube(3, 'sofa', 3, 4), cube(4, 'chair', -3, 0), cube(5, 'lamp', 0, -3, Math.PI / 4)],
  views: [
    { frame: 0, shows: { 1: 1, 2: 1, 3: 1 } },
    { frame: 1, shows: { 1: 1, 4: 1, 5: 1 } },
  ],
});

const key = (categories: string[]) => [...categories].sort().join('+');

test('closest-point distances between boxes, metres with one decimal', async (t) => {
  const candidates = await generate('absolute-distance', scene, 'single-image');
  const view0 = Object.fromEntries(candidates.filter((c) => c.frames[0] === 0).map((c) => [key(c.refs.map((r) => r.category)), c]));
  t.is(view0['chair+table']!.answer, '2.0'); // faces at x = 0.5 and 2.5
  t.is(view0['chair+sofa']!.answer, '3.6'); // corners (0.5, 0.5) and (2.5, 3.5): sqrt(13) = 3.606
  t.is(view0['sofa+table']!.answer, '3.0'); // faces at y = 0.5 and 3.5
  t.is(view0['chair+sofa']!.facts!.distance, 3.606);
  const [a, b] = view0['chair+table']!.refs.map((r) => r.category);
  t.is(view0['chair+table']!.question, `Measuring from the closest point of each object, what is the distance between the ${a} and the ${b} (in meters)?`);
});

test('a pair of one category is never asked; other pairs with a repeated category are (the uniqueness filter judges them)', async (t) => {
  const view1 = (await generate('absolute-distance', scene, 'single-image')).filter((c) => c.frames[0] === 1);
  t.deepEqual(view1.map((c) => key(c.refs.map((r) => r.category))), ['chair+lamp', 'chair+lamp'], 'chair+chair is skipped');
  // lamp turned 45 degrees: its corner reaches y = -3 + sqrt(2)/2; the chair's face is at y = -0.5
  const lamp = view1.find((c) => c.refs.some((r) => r.objectId === 1))!;
  t.is(lamp.answer, '1.8'); // 2.5 - 0.7071 = 1.793
});
