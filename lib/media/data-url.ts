/** Images as `data:` URLs, the form OpenAI-compatible chat APIs accept inline. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

export async function imageDataUrl(path: string): Promise<string> {
  const mime = MIME[extname(path).toLowerCase()];
  if (!mime) throw new Error(`${path}: unsupported image type (expected ${Object.keys(MIME).join(', ')})`);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${path}: cannot read the image (${error.code ?? error.message})`);
  });
  return `data:${mime};base64,${bytes.toString('base64')}`;
}
