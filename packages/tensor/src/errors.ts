/**
 * Typed errors. Every message is worded `[op] what is wrong: details`, with shapes printed as JSON
 * (`[2,3]`), so a failure names the op, the shapes and the axis involved.
 */
export class TsgradError extends Error {
  /** `message` is worded `[op] what is wrong: details`; the error's name is its class's name. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul inner sizes, reshape sizes, wrong rank. */
export class ShapeError extends TsgradError {}
/** An unsupported dtype, or two tensors whose dtypes differ where they must match. */
export class DTypeError extends TsgradError {}
/** An axis outside `[-ndim, ndim)` or repeated in an axis list. */
export class AxisError extends TsgradError {}
/** An index outside its axis (gather, slice positions, topk's k). */
export class IndexError extends TsgradError {}
/** A bad argument value: non-integer or negative size, data of the wrong length, non-finite seed, ... */
export class ValueError extends TsgradError {}

/** Formats a shape the way every message prints it: `[2,3]`, `[]` for a scalar. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
