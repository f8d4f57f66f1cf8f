import { pathToFileURL } from 'node:url';

/**
 * Runs a tuning script's `main` with its command-line arguments when the
 * module at `url` is the one `npx tsx` was given (not when a test imports
 * it); an error prints its message alone and exits 1.
 */
export function runScript(url: string, main: (args: string[]) => unknown): void {
  if (url !== pathToFileURL(process.argv[1] ?? '').href) return;
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
