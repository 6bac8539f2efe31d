/**
 * The few host APIs the wasm kernels use beyond ES2022, typed here and reached through `globalThis`, so that
 * @tsgrad/tensor compiles against the ES2022 library alone (no DOM or Node typings) and runs unchanged in Node,
 * browsers and workers. Each is optional: a host without it gets the TypeScript kernels or a single thread.
 */

/** A compiled WebAssembly module (structured-clonable: it is posted to the workers). */
export interface WasmModule { readonly __wasmModule?: never }

/** A WebAssembly memory: its bytes and its growth. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** An instance; only its exports are used. */
export interface WasmInstance { readonly exports: Record<string, unknown> }

/** The subset of the `WebAssembly` namespace used here. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (desc: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

interface Host {
  WebAssembly?: WasmApi;
  atob?: (s: string) => string;
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
}

/** The host's globals, as far as they are typed above. */
export const host = globalThis as unknown as Host;
