/** The shapes shared by the suites, the runner, the results files and the table generator. */

/** The engines compared, in table column order. */
export const ENGINES = ['tsgrad', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'] as const;
export type Engine = (typeof ENGINES)[number];
export type TfjsEngineName = 'tfjs-cpu' | 'tfjs-wasm';
/** The engines tsgrad is compared against. */
export type PeerEngine = Exclude<Engine, 'tsgrad'>;

/** Each engine's name in the table's header. */
export const ENGINE_LABEL: Record<Engine, string> = { tsgrad: 'tsgrad', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm', pytorch: 'PyTorch' };

/** One engine's figure in one row: a throughput (median and best sample, in the suite's unit), or why there is none. */
export type Cell =
  | {
      /** Throughput from the median sample: the figure quoted. */
      value: number;
      /** Throughput from the fastest sample: what the engine does when it has the core to itself. */
      best: number;
      samples: number;
      /** Benny's relative margin of error of the mean, in percent. */
      rme: number;
      /** The formulation timed, when it is not the engine's plain API call (e.g. a gradient written by hand). */
      variant?: string;
    }
  | { missing: string };

export interface RowResult {
  name: string;
  cells: Partial<Record<Engine, Cell>>;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
}

/** A speed target: in `row`, tsgrad's figure over `versus`'s must be at least `min`. */
export interface Target {
  row: string;
  versus: PeerEngine;
  min: number;
}

/** What one suite's run leaves in bench/results/<id>.json, and all the table generator reads. */
export interface SuiteResult {
  id: string;
  title: string;
  /** Unit of every figure in `rows`, e.g. 'GFLOP/s'. */
  unit: string;
  /** ISO date-time the suite finished. */
  date: string;
  quick: boolean;
  machine: Machine;
  /** TensorFlow.js package versions. */
  tfjs: string;
  /** PyTorch's version and build, when a python3 could import torch (absent from older results files). */
  pytorch?: string;
  /** tsgrad's kernel backend and its default thread count (what rows that name no thread count ran with). */
  tsgrad?: { backend: string; defaultThreads: number };
  /** The tsgrad measured: the commit, and whether packages/ had uncommitted changes (the bench runs the working tree). */
  revision: string;
  /** Passes over the cases, each taking its share of every case's samples (absent from older results files: 1). */
  rounds?: number;
  /** GFLOP/s of the naive i-k-j matmul anchor, measured at the start and end of each round (medians). */
  anchor: { name: string; start: number; end: number };
  rows: RowResult[];
  targets: Target[];
  /** Benny's raw per-case figures (calls per second, samples), for anyone re-deriving the table. */
  raw?: unknown;
}
