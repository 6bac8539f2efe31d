/**
 * LeCun's IDX format, in which MNIST is distributed (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 *
 *   bytes 0–1   0x00 0x00
 *   byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3     number of dimensions r (≥ 1)
 *   then        r sizes, each a big-endian uint32
 *   then        the elements, row-major (last index fastest), big-endian, exactly Π sizes of them
 *
 * The bytes are treated as untrusted: every check happens before anything is allocated, the reader never
 * reads past the buffer, and a file whose header claims more elements than it holds is rejected without
 * computing a huge size (the element count is compared against the bytes left one dimension at a time).
 * Browser-safe: it takes bytes, not a path.
 */
import { TsgradError } from '@tsgrad/tensor';

/** A malformed IDX file: wrong magic, unknown type code, truncated, trailing bytes, or mismatched files. */
export class IdxError extends TsgradError {}

/** The element types IDX defines, by their type code. */
const TYPES: Record<number, { name: IdxDType; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** The element type of an IDX file, named after the typed array it is read into. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** An IDX file's contents: its elements in row-major order and its sizes. */
export interface IdxArray {
  /** Element type from the file's type code. */
  dtype: IdxDType;
  /** Sizes of the dimensions, outermost first (MNIST images: [count, 28, 28]; labels: [count]). */
  shape: number[];
  /**
   * The elements in host byte order. For `uint8` and `int8` this is a view of the input bytes (no copy);
   * wider types are decoded from big-endian into a new array.
   */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses the bytes of one IDX file. `name` (a file name) starts every error message, so a failure says which
 * file is wrong: `[readIdx] train-images-idx3-ubyte: truncated: the header declares 47040000 bytes of data,
 * 1000 are present`.
 */
export function readIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const fail = (what: string): never => {
    throw new IdxError(`[readIdx] ${name}: ${what}`);
  };
  if (bytes.length < 4) fail(`truncated: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`wrong magic number 0x${hex(bytes, 0, 4)}: an IDX file starts with two zero bytes, a type code and a rank`);
  }
  const type = TYPES[bytes[2]!];
  if (type === undefined) {
    fail(`unknown element type code 0x${hex(bytes, 2, 3)} (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)`);
  }
  const { name: dtype, bytes: width } = type!;
  const rank = bytes[3]!;
  if (rank === 0) fail('rank 0: an IDX file has at least one dimension');
  const header = 4 + 4 * rank;
  if (bytes.length < header) fail(`truncated: the header declares ${rank} dimensions (${header} bytes), ${bytes.length} bytes are present`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  // The number of elements the bytes after the header can hold; the product of the sizes is compared against it
  // one factor at a time, so absurd sizes (2^32 − 1 in every dimension) are rejected before they overflow.
  const room = Math.floor((bytes.length - header) / width);
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
    if (count > room) {
      const declared = shape.length === rank ? `${count * width} bytes of data` : `more than ${room * width} bytes of data`;
      fail(`truncated: the header declares shape [${shape.join(',')}${shape.length < rank ? ',…' : ''}] (${declared}), ${bytes.length - header} are present`);
    }
  }
  const dataBytes = count * width;
  if (header + dataBytes !== bytes.length) {
    fail(`${bytes.length - header - dataBytes} bytes after the data: shape [${shape.join(',')}] of ${dtype} takes ${dataBytes} bytes, the file holds ${bytes.length - header}`);
  }
  return { dtype, shape, data: decode(view, bytes, header, count, dtype) };
}

/** The elements after the header, in host order (IDX stores them big-endian). */
function decode(view: DataView, bytes: Uint8Array, at: number, n: number, dtype: IdxDType): IdxArray['data'] {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(at, at + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + at, n);
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/**
 * Checks that an image file and a label file describe the same samples: uint8 images of rank 3 ([n, rows,
 * cols]) and uint8 labels of rank 1 ([n]) with the same n. The names start the message, as in readIdx.
 */
export function checkIdxPair(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string): void {
  const fail = (what: string): never => {
    throw new IdxError(`[readIdx] ${what}`);
  };
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    fail(`${imagesName}: expected uint8 images of shape [n,rows,cols], got ${images.dtype} of shape [${images.shape.join(',')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    fail(`${labelsName}: expected uint8 labels of shape [n], got ${labels.dtype} of shape [${labels.shape.join(',')}]`);
  }
  if (images.shape[0] !== labels.shape[0]) {
    fail(`${labelsName} holds ${labels.shape[0]} labels but ${imagesName} holds ${images.shape[0]} images`);
  }
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += bytes[i]!.toString(16).padStart(2, '0').toUpperCase();
  return s;
}
