// Entry of a tiny-vlm worker thread: TypeScript through tsx, then the replica loop (worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
