/** Images and videos as `data:` URLs, the form OpenAI-compatible chat APIs accept inline. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

const IMAGE_MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

const VIDEO_MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
};

async function dataUrl(path: string, types: Record<string, string>, kind: string): Promise<string> {
  const mime = types[extname(path).toLowerCase()];
  if (!mime) throw new Error(`${path}: unsupported ${kind} type (expected ${Object.keys(types).join(', ')})`);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${path}: cannot read the ${kind} (${error.code ?? error.message})`);
  });
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

export const imageDataUrl = (path: string): Promise<string> => dataUrl(path, IMAGE_MIME, 'image');
export const videoDataUrl = (path: string): Promise<string> => dataUrl(path, VIDEO_MIME, 'video');
