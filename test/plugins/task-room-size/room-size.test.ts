import test from 'ava';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';

const views = Array.from({ length: 20 }, (_, i) => ({ frame: i, shows: { 1: 1 } }));
const objects = [{ id: 1, category: 'chair', center: [0, 0, 0.5] as [number, number, number] }];

test('video only: the floor area in square metres, one decimal, over the frame list', async (t) => {
  const [room, ...rest] = await generate('room-size', tinyScene({ objects, views, floorArea: 23.456 }), 'video', { frames: 16 });
  t.deepEqual(rest, []);
  t.is(room!.answer, '23.5');
  t.is(room!.question, 'What is the floor area of this room (in square meters)? If several rooms are shown, give the area of the whole space.');
  t.deepEqual(room!.refs, []);
  t.is(room!.frames.length, 16);
  t.deepEqual(await generate('room-size', tinyScene({ objects, views, floorArea: 23.456 }), 'single-image'), []);
});

test('a scene without a floor area asks nothing', async (t) => {
  t.deepEqual(await generate('room-size', tinyScene({ objects, views, floorArea: 0 }), 'video'), []);
});
