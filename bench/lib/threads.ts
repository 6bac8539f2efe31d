/**
 * tsgrad's thread count and kernel backend, where @tsgrad/tensor has them. `setNumThreads`, `getNumThreads`,
 * `setBackend` and `getBackend` come with the WebAssembly kernels and their worker pool; on a tree without them
 * tsgrad runs its pure-TypeScript kernels on one thread, and only the bench's 1-thread cases run. Detected on the
 * module namespace, so the same bench code measures both trees.
 */
import * as tensorModule from '@tsgrad/tensor';

interface ThreadApi {
  setNumThreads(n: number): void;
  getNumThreads?(): number;
}

interface BackendApi {
  getBackend(): string;
}

const threadApi: ThreadApi | null = 'setNumThreads' in tensorModule ? (tensorModule as unknown as ThreadApi) : null;
const backendApi: BackendApi | null = 'getBackend' in tensorModule ? (tensorModule as unknown as BackendApi) : null;

/** Whether tsgrad can be given a thread count. */
export const hasThreads = threadApi !== null;

/** Why a tsgrad case at more than one thread is not run on this tree. */
export const NO_THREADS = '@tsgrad/tensor has no setNumThreads on this tree: tsgrad runs on one thread, so only its 1-thread cases run';

/** The thread counts the bench runs tsgrad and PyTorch at, where a case is timed per thread count. */
export const THREAD_COUNTS = [1, 2] as const;

/** tsgrad's thread count when the bench started: what cases that name no count run with. */
export const defaultThreads: number = threadApi?.getNumThreads?.() ?? 1;

let current = defaultThreads;

/**
 * Sets tsgrad's thread count to `n` (its default when undefined) if it is not already: cheap enough to call before
 * every timed call. Throws on a tree without setNumThreads when `n` is not 1.
 */
export function useThreads(n: number | undefined): void {
  const want = n ?? defaultThreads;
  if (want === current) return;
  if (!threadApi) throw new Error(`[bench] ${NO_THREADS}`);
  threadApi.setNumThreads(want);
  current = want;
}

/** tsgrad's kernel backend ('wasm' or 'js'); 'js' on a tree that has only the TypeScript kernels. */
export const tsgradBackend = (): string => backendApi?.getBackend() ?? 'js';

/** A row's name with its thread count: `matmul 512, 2 threads`. */
export const atThreads = (row: string, n: number): string => `${row}, ${n} thread${n === 1 ? '' : 's'}`;
