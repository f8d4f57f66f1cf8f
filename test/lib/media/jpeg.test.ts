import test from 'ava';
import sharp from 'sharp';
import { jpegSize } from '../../../lib/media/index.ts';

const image = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 200 } } });

test('jpegSize reads baseline, progressive and EXIF-carrying JPEGs without decoding them', async (t) => {
  t.deepEqual(jpegSize(await image(324, 242).jpeg().toBuffer()), { width: 324, height: 242 });
  t.deepEqual(jpegSize(await image(1296, 968).jpeg({ progressive: true }).toBuffer()), { width: 1296, height: 968 });
  t.deepEqual(jpegSize(await image(31, 17).withMetadata({ exif: { IFD0: { Copyright: 'x' } } }).jpeg().toBuffer()), { width: 31, height: 17 });
});

test('jpegSize says what is wrong: empty, not a JPEG, cut short', async (t) => {
  const jpeg = await image(64, 48).jpeg().toBuffer();
  const png = await image(8, 8).png().toBuffer();
  t.throws(() => jpegSize(Buffer.alloc(0)), { message: 'empty file (0 bytes)' });
  t.throws(() => jpegSize(png), { message: 'not a JPEG (no start-of-image marker)' });
  t.throws(() => jpegSize(jpeg.subarray(0, 40)), { message: /^truncated JPEG header/ });
  t.throws(() => jpegSize(jpeg.subarray(0, jpeg.length - 2)), { message: /^truncated JPEG \(no end-of-image marker/ });
  t.throws(() => jpegSize(Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xda, 0, 2])])), { message: 'not a JPEG (image data before any frame header)' });
});
