/**
 * Every error path of the tensor package: the error class and the exact message (`[op] what: details`, shapes
 * printed as `[2,3]`). One table, one assertion per row.
 */
import { describe, expect, it } from 'vitest';
import * as T from './index.js';
import { AxisError, DTypeError, IndexError, ShapeError, TsgradError, ValueError } from './errors.js';
import { expectError } from '../../../testing/errors.js';

const z = (shape: number[], dtype: T.DType = 'float32'): T.Tensor => T.zeros(shape, { dtype });
// Deliberately ill-typed arguments, as plain JavaScript callers could pass them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bad = (v: unknown): any => v;

type Row = [title: string, fn: () => unknown, cls: abstract new (...args: never[]) => Error, message: string];

const rows: Row[] = [
  // broadcasting
  ['mul: shapes that do not broadcast', () => T.mul(z([2, 3]), z([4, 3])), ShapeError, '[mul] cannot broadcast [2,3] with [4,3]: axis 0 has sizes 2 and 4'],
  ['a.mul(b): the method names the op too', () => z([2, 3]).mul(z([4, 3])), ShapeError, '[mul] cannot broadcast [2,3] with [4,3]: axis 0 has sizes 2 and 4'],
  ['add: right-aligned axis in the message', () => T.add(z([3]), z([2, 4])), ShapeError, '[add] cannot broadcast [3] with [2,4]: axis 1 has sizes 3 and 4'],
  ['greaterEqual: comparisons broadcast too', () => T.greaterEqual(z([2]), z([3])), ShapeError, '[greaterEqual] cannot broadcast [2] with [3]: axis 0 has sizes 2 and 3'],
  ['where: the three shapes as passed', () => T.where(z([2, 1]), z([1, 3]), z([4, 3])), ShapeError, '[where] cannot broadcast [2,1], [1,3] and [4,3]: axis 0 has sizes 2, 1 and 4'],
  ['allclose: shapes that do not broadcast', () => T.allclose(z([2]), z([3])), ShapeError, '[allclose] cannot broadcast [2] with [3]: axis 0 has sizes 2 and 3'],
  ['broadcastTo: a non-1 axis', () => T.broadcastTo(z([2, 3]), [3, 3]), ShapeError, '[broadcastTo] cannot broadcast [2,3] to [3,3]: axis 0 has size 2, expected 1 or 3'],
  ['broadcastTo: fewer axes', () => T.broadcastTo(z([2, 3]), [3]), ShapeError, '[broadcastTo] cannot broadcast [2,3] to [3]: the target has fewer axes'],
  ['broadcastTo: negative size', () => T.broadcastTo(z([2, 3]), [-1, 3]), ValueError, '[broadcastTo] shape must contain non-negative integers: got [-1,3]'],
  // operands
  ['add: an array operand', () => T.add(z([2]), bad([1, 2])), ValueError, '[add] expected a Tensor or a number: got an array'],
  ['neg: a number where a tensor is needed', () => T.neg(bad(3)), ValueError, '[neg] expected a Tensor: got number'],
  ['sum: a number where a tensor is needed', () => T.sum(bad(3)), ValueError, '[sum] expected a Tensor: got number'],
  ['where: a number condition', () => T.where(bad(1), z([2]), z([2])), ValueError, '[where] condition must be a Tensor: got a number'],
  ['matmul: a non-tensor operand', () => T.matmul(z([2]), bad([1, 2])), ValueError, '[matmul] both operands must be Tensors'],
  ['zerosLike: a non-tensor', () => T.zerosLike(bad(3)), ValueError, '[zerosLike] x must be a Tensor: got number'],
  // axes
  ['sum: axis out of range', () => T.sum(z([2, 3]), { axis: 2 }), AxisError, '[sum] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['x.sum(): negative axis out of range', () => z([2, 3]).sum({ axis: -3 }), AxisError, '[sum] axis -3 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['sum: a fractional axis', () => T.sum(z([2, 3]), { axis: 0.5 }), AxisError, '[sum] axis must be an integer: got 0.5'],
  ['sum: repeated axis (negative alias)', () => T.sum(z([2, 3]), { axis: [0, -2] }), AxisError, '[sum] axis 0 is repeated in [0,-2] for shape [2,3]'],
  ['mean: axis errors name mean', () => T.mean(z([2, 3]), { axis: 2 }), AxisError, '[mean] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['variance: repeated axis', () => T.variance(z([2, 3]), { axis: [0, 0] }), AxisError, '[variance] axis 0 is repeated in [0,0] for shape [2,3]'],
  ['logSumExp: axis errors name logSumExp', () => T.logSumExp(z([2, 3]), { axis: 5 }), AxisError, '[logSumExp] axis 5 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['norm: axis errors name norm', () => T.norm(z([2, 3]), { axis: 5 }), AxisError, '[norm] axis 5 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['max: repeated axis', () => T.max(z([2, 3]), { axis: [1, 1] }), AxisError, '[max] axis 1 is repeated in [1,1] for shape [2,3]'],
  ['argmax: an axis list', () => T.argmax(z([2, 3]), { axis: bad([0, 1]) }), AxisError, '[argmax] axis must be an integer: got [0,1]'],
  ['argmin: axis out of range', () => T.argmin(z([2, 3]), { axis: 2 }), AxisError, '[argmin] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['softmax: axis out of range', () => T.softmax(z([2, 3]), 2), AxisError, '[softmax] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['logSoftmax: axis out of range', () => z([2, 3]).logSoftmax(-3), AxisError, '[logSoftmax] axis -3 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['expandDims: axis out of range', () => T.expandDims(z([2, 3]), 3), AxisError, '[expandDims] axis 3 is out of range for shape [2,3]: expected an axis in [-3, 3)'],
  ['squeeze: axis out of range', () => T.squeeze(z([2, 1]), 2), AxisError, '[squeeze] axis 2 is out of range for shape [2,1]: expected an axis in [-2, 2)'],
  ['permute: wrong number of axes', () => T.permute(z([2, 3]), [0]), AxisError, '[permute] expected 2 axes for shape [2,3]: got [0]'],
  ['permute: not a permutation', () => T.permute(z([2, 3]), [0, 0]), AxisError, '[permute] axes [0,0] are not a permutation of the axes of shape [2,3]'],
  ['permute: axis out of range', () => T.permute(z([2, 3]), [0, 2]), AxisError, '[permute] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  ['transpose: errors name transpose', () => z([2, 3]).transpose([1, 1]), AxisError, '[transpose] axes [1,1] are not a permutation of the axes of shape [2,3]'],
  ['flatten: start after end', () => T.flatten(z([2, 3, 4]), 2, 1), AxisError, '[flatten] startAxis 2 comes after endAxis 1 for shape [2,3,4]'],
  ['concat: axis out of range', () => T.concat([z([2])], 1), AxisError, '[concat] axis 1 is out of range for shape [2]: expected an axis in [-1, 1)'],
  ['stack: axis out of range', () => T.stack([z([2])], 2), AxisError, '[stack] axis 2 is out of range for shape [2]: expected an axis in [-2, 2)'],
  ['split: axis out of range', () => T.split(z([2]), 1, 1), AxisError, '[split] axis 1 is out of range for shape [2]: expected an axis in [-1, 1)'],
  ['gather: axis out of range', () => T.gather(z([2]), [0], -2), AxisError, '[gather] axis -2 is out of range for shape [2]: expected an axis in [-1, 1)'],
  ['topk: axis out of range', () => T.topk(z([2, 3]), 1, { axis: 2 }), AxisError, '[topk] axis 2 is out of range for shape [2,3]: expected an axis in [-2, 2)'],
  // dtypes
  ['add: dtype mismatch', () => T.add(z([2]), z([2], 'float64')), DTypeError, '[add] dtypes differ: float32 [2] and float64 [2]; convert one with astype()'],
  ['x.div(y): dtype mismatch', () => z([2, 1], 'float64').div(z([3])), DTypeError, '[div] dtypes differ: float64 [2,1] and float32 [3]; convert one with astype()'],
  ['where: branch dtypes differ', () => T.where(z([2]), z([2]), z([2], 'float64')), DTypeError, '[where] dtypes differ: float32 [2] and float64 [2]; convert one with astype()'],
  ['matmul: dtype mismatch', () => T.matmul(z([2, 2]), z([2, 2], 'float64')), DTypeError, '[matmul] dtypes differ: float32 [2,2] and float64 [2,2]; convert one with astype()'],
  ['cdist: dtype mismatch', () => T.cdist(z([2, 2], 'float64'), z([2, 2])), DTypeError, '[cdist] dtypes differ: float64 [2,2] and float32 [2,2]; convert one with astype()'],
  ['concat: dtype mismatch', () => T.concat([z([2]), z([2], 'float64')]), DTypeError, '[concat] dtypes differ: tensors[0] is float32, tensors[1] is float64'],
  ['stack: dtype mismatch', () => T.stack([z([2]), z([2]), z([2], 'float64')]), DTypeError, '[stack] dtypes differ: tensors[0] is float32, tensors[2] is float64'],
  ['conv2d: dtype mismatch', () => T.conv2d(z([1, 1, 3, 3]), z([1, 1, 2, 2], 'float64')), DTypeError, '[conv2d] dtypes differ: float32 [1,1,3,3] and float64 [1,1,2,2]; convert one with astype()'],
  ['zeros: unsupported dtype', () => T.zeros([2], { dtype: bad('int32') }), DTypeError, `[zeros] unsupported dtype "int32": expected 'float32' or 'float64'`],
  ['tensor: unsupported dtype', () => T.tensor([1], { dtype: bad('int8') }), DTypeError, `[tensor] unsupported dtype "int8": expected 'float32' or 'float64'`],
  ['astype: unsupported dtype', () => z([2]).astype(bad('float16')), DTypeError, `[astype] unsupported dtype "float16": expected 'float32' or 'float64'`],
  ['arange: unsupported dtype', () => T.arange(3, undefined, 1, { dtype: bad('int32') }), DTypeError, `[arange] unsupported dtype "int32": expected 'float32' or 'float64'`],
  // shapes and data
  ['zeros: negative size', () => T.zeros([2, -1]), ValueError, '[zeros] shape must contain non-negative integers: got [2,-1]'],
  ['ones: fractional size', () => T.ones([1.5]), ValueError, '[ones] shape must contain non-negative integers: got [1.5]'],
  ['full: a non-number value', () => T.full([2], bad('a')), ValueError, '[full] value must be a number: got string'],
  ['tensor: negative shape entry', () => T.tensor([1, 2], { shape: [2, -3] }), ValueError, '[tensor] shape must contain non-negative integers: got [2,-3]'],
  ['tensor: data length mismatch', () => T.tensor([1, 2, 3], { shape: [2, 2] }), ValueError, '[tensor] data has 3 elements but shape [2,2] needs 4'],
  ['tensor: typed data length mismatch', () => T.tensor(new Float64Array(5), { shape: [2, 3] }), ValueError, '[tensor] data has 5 elements but shape [2,3] needs 6'],
  ['tensor: ragged rows', () => T.tensor(bad([[1, 2], [3]])), ShapeError, '[tensor] ragged nested array: at index [1] expected length 2, got length 1'],
  ['tensor: a number where a row belongs', () => T.tensor(bad([[1, 2], 3])), ShapeError, '[tensor] ragged nested array: at index [1] expected length 2, got a number'],
  ['tensor: a row where a number belongs', () => T.tensor(bad([1, [2]])), ShapeError, '[tensor] ragged nested array: at index [1] expected a number, got a nested array'],
  ['tensor: deep ragged', () => T.tensor(bad([[[1], [2]], [[3], [4, 5]]])), ShapeError, '[tensor] ragged nested array: at index [1,1] expected length 1, got length 2'],
  ['tensor: a string element', () => T.tensor(bad([1, 'a'])), ValueError, '[tensor] expected numbers: got string at index [1]'],
  ['reshape: size mismatch', () => T.reshape(z([2, 3]), [4, 2]), ShapeError, '[reshape] cannot reshape [2,3] (6 elements) into [4,2] (8 elements)'],
  ['x.reshape(): size mismatch with -1', () => z([2, 3]).reshape([4, -1]), ShapeError, '[reshape] cannot reshape [2,3] (6 elements) into [4,-1]'],
  ['reshape: two -1', () => T.reshape(z([2, 3]), [-1, -1]), ShapeError, '[reshape] only one axis may be -1: got [-1,-1]'],
  ['reshape: negative entry', () => T.reshape(z([2, 3]), [-2, -3]), ValueError, '[reshape] shape must contain non-negative integers: got [-2,-3]'],
  ['reshape: -1 beside a zero', () => T.reshape(z([0, 3]), [-1, 0]), ShapeError, '[reshape] cannot reshape [0,3] (0 elements) into [-1,0]'],
  ['squeeze: a non-1 axis', () => T.squeeze(z([2, 3]), 1), ShapeError, '[squeeze] cannot squeeze axis 1 of shape [2,3]: its size is 3, not 1'],
  ['x.squeeze(): a negative non-1 axis', () => z([1, 3]).squeeze([0, -1]), ShapeError, '[squeeze] cannot squeeze axis 1 of shape [1,3]: its size is 3, not 1'],
  // matmul, cdist
  ['matmul: inner sizes', () => T.matmul(z([2, 3]), z([4, 5])), ShapeError, '[matmul] inner sizes differ: [2,3] @ [4,5]: axis 1 of the first has size 3, axis 0 of the second has size 4'],
  ['matmul: vectors', () => T.matmul(z([3]), z([4])), ShapeError, '[matmul] inner sizes differ: [3] @ [4]: axis 0 of the first has size 3, axis 0 of the second has size 4'],
  ['a.matmul(b): batched inner sizes', () => z([2, 2, 3]).matmul(z([5, 4])), ShapeError, '[matmul] inner sizes differ: [2,2,3] @ [5,4]: axis 2 of the first has size 3, axis 0 of the second has size 5'],
  ['matmul: rank 0', () => T.matmul(z([]), z([2])), ShapeError, '[matmul] operands must have rank >= 1: got [] and [2]'],
  ['matmul: batch axes', () => T.matmul(z([2, 3, 4]), z([3, 4, 5])), ShapeError, '[matmul] batch axes do not broadcast: [2,3,4] and [3,4,5] have batch shapes [2] and [3]'],
  ['cdist: rank', () => T.cdist(z([3]), z([2, 3])), ShapeError, '[cdist] operands must have rank >= 2: got [3] and [2,3]'],
  ['cdist: feature sizes', () => T.cdist(z([2, 3]), z([2, 4])), ShapeError, '[cdist] feature sizes differ: [2,3] and [2,4]: axis 1 has sizes 3 and 4'],
  ['cdist: batch axes', () => T.cdist(z([2, 1, 3]), z([3, 1, 3])), ShapeError, '[cdist] batch axes do not broadcast: [2,1,3] and [3,1,3] have batch shapes [2] and [3]'],
  ['cdist: negative p', () => T.cdist(z([2, 3]), z([2, 3]), { p: -1 }), ValueError, '[cdist] p must be a non-negative number: got -1'],
  ['cdist: unknown mode', () => T.cdist(z([2, 3]), z([2, 3]), { mode: bad('fast') }), ValueError, `[cdist] mode must be 'auto', 'matmul' or 'direct': got "fast"`],
  // conv and pooling
  ['conv2d: channel mismatch', () => T.conv2d(z([1, 3, 5, 5]), z([2, 2, 3, 3])), ShapeError, '[conv2d] input [1,3,5,5] has 3 channels but weight [2,2,3,3] expects 2: axis 1 differs'],
  ['x.conv2d(w): input rank', () => z([3, 5, 5]).conv2d(z([2, 3, 3, 3])), ShapeError, '[conv2d] input must have rank 4 (NCHW): got shape [3,5,5]'],
  ['conv2d: weight rank', () => T.conv2d(z([1, 3, 5, 5]), z([2, 3, 3])), ShapeError, '[conv2d] weight must have rank 4 (OIHW): got shape [2,3,3]'],
  ['conv2d: kernel too big', () => T.conv2d(z([1, 1, 5, 5]), z([1, 1, 7, 7])), ShapeError, '[conv2d] kernel 7x7 (7x7 with dilation) does not fit the padded input 5x5 of input [1,1,5,5]'],
  ['conv2d: dilated kernel too big', () => T.conv2d(z([1, 1, 5, 5]), z([1, 1, 3, 3]), { dilation: 3 }), ShapeError, '[conv2d] kernel 3x3 (7x7 with dilation) does not fit the padded input 5x5 of input [1,1,5,5]'],
  ['conv2d: bias shape', () => T.conv2d(z([1, 1, 5, 5]), z([2, 1, 3, 3]), { bias: z([3]) }), ShapeError, '[conv2d] bias must have shape [2] for weight [2,1,3,3]: got [3]'],
  ['conv2d: bias dtype', () => T.conv2d(z([1, 1, 5, 5]), z([2, 1, 3, 3]), { bias: z([2], 'float64') }), DTypeError, '[conv2d] dtypes differ: float32 [1,1,5,5] and float64 [2]; convert one with astype()'],
  ['conv2d: zero stride', () => T.conv2d(z([1, 1, 5, 5]), z([2, 1, 3, 3]), { stride: 0 }), ValueError, '[conv2d] stride must be an integer >= 1 or a pair of them: got 0'],
  ['conv2d: negative padding', () => T.conv2d(z([1, 1, 5, 5]), z([2, 1, 3, 3]), { padding: [0, -1] }), ValueError, '[conv2d] padding must be an integer >= 0 or a pair of them: got [0,-1]'],
  ['maxPool2d: padding too large', () => T.maxPool2d(z([1, 1, 4, 4]), { kernelSize: 2, padding: 2 }), ValueError, '[maxPool2d] padding [2,2] must be at most half the kernel [2,2]'],
  ['x.avgPool2d(): padding too large on one side', () => z([1, 1, 4, 4]).avgPool2d({ kernelSize: [3, 2], padding: [1, 2] }), ValueError, '[avgPool2d] padding [1,2] must be at most half the kernel [3,2]'],
  ['maxPool2d: window does not fit', () => T.maxPool2d(z([1, 1, 2, 2]), { kernelSize: 3 }), ShapeError, '[maxPool2d] window 3x3 does not fit the padded input 2x2 of input [1,1,2,2]'],
  ['maxPool2d: no kernelSize', () => T.maxPool2d(z([1, 1, 2, 2]), bad({})), ValueError, '[maxPool2d] kernelSize is required'],
  ['avgPool2d: input rank', () => T.avgPool2d(z([1, 2, 2]), { kernelSize: 1 }), ShapeError, '[avgPool2d] input must have rank 4 (NCHW): got shape [1,2,2]'],
  ['avgPool2d: zero stride', () => T.avgPool2d(z([1, 1, 2, 2]), { kernelSize: 1, stride: [1, 0] }), ValueError, '[avgPool2d] stride must be an integer >= 1 or a pair of them: got [1,0]'],
  // slice, gather, topk
  ['slice: index out of range', () => T.slice(z([2, 3]), [5]), IndexError, '[slice] index 5 is out of range for axis 0 of size 2 (shape [2,3])'],
  ['x.slice(): negative index out of range', () => z([2, 3]).slice([null, -4]), IndexError, '[slice] index -4 is out of range for axis 1 of size 3 (shape [2,3])'],
  ['slice: an index into an empty axis', () => T.slice(z([0, 3]), [0]), IndexError, '[slice] index 0 is out of range for axis 0 of size 0 (shape [0,3])'],
  ['slice: zero step', () => T.slice(z([2, 3]), [null, [0, 2, 0]]), ValueError, '[slice] step must not be zero (axis 1, shape [2,3])'],
  ['slice: too many ranges', () => T.slice(z([2, 3]), [0, 0, 0]), IndexError, '[slice] too many ranges: 3 given for shape [2,3]'],
  ['slice: fractional bound', () => T.slice(z([2, 3]), [[0.5]]), ValueError, '[slice] range for axis 0 must hold integers: got [0.5] (shape [2,3])'],
  ['slice: a string range', () => T.slice(z([2, 3]), [bad('a')]), ValueError, '[slice] range for axis 0 must be a number, null or [start, end, step]: got "a"'],
  ['gather: index out of range', () => T.gather(z([3, 2]), [0, 3]), IndexError, '[gather] index 3 is out of range for axis 0 of size 3 (shape [3,2])'],
  ['x.gather(): negative index out of range', () => z([3, 2]).gather([-3, -4]), IndexError, '[gather] index -4 is out of range for axis 0 of size 3 (shape [3,2])'],
  ['gather: tensor index on axis 1', () => T.gather(z([3, 2]), T.tensor([[2]]), 1), IndexError, '[gather] index 2 is out of range for axis 1 of size 2 (shape [3,2])'],
  ['gather: fractional index', () => T.gather(z([3, 2]), [0.5]), ValueError, '[gather] indices must be integers: got 0.5 (axis 0, shape [3,2])'],
  ['gather: rank 0', () => T.gather(z([]), [0]), ShapeError, '[gather] cannot gather from a rank-0 tensor'],
  ['topk: k too large', () => T.topk(z([3]), 4), IndexError, '[topk] k = 4 is out of range for axis 0 of size 3 (shape [3])'],
  ['x.topk(): negative k', () => z([2, 3]).topk(-1, { axis: 0 }), IndexError, '[topk] k = -1 is out of range for axis 0 of size 2 (shape [2,3])'],
  ['topk: rank 0', () => T.topk(z([]), 1), ShapeError, '[topk] input must have rank >= 1: got shape []'],
  // concat, stack, split, pad
  ['concat: mismatched axis', () => T.concat([z([2, 2]), z([2, 3])]), ShapeError, '[concat] tensors[1] has shape [2,3], which does not match [2,2] except on axis 0'],
  ['concat: mismatched rank', () => T.concat([z([2, 2]), z([2])], 1), ShapeError, '[concat] tensors[1] has shape [2], which does not match [2,2] except on axis 1'],
  ['concat: rank 0', () => T.concat([z([]), z([])]), ShapeError, '[concat] cannot concatenate rank-0 tensors; use stack'],
  ['concat: no tensors', () => T.concat([]), ValueError, '[concat] expected a non-empty array of tensors'],
  ['concat: a non-tensor', () => T.concat([z([2]), bad(3)]), ValueError, '[concat] tensors[1] must be a Tensor: got number'],
  ['stack: mismatched shapes', () => T.stack([z([2]), z([3])]), ShapeError, '[stack] tensors[1] has shape [3], expected [2]'],
  ['stack: no tensors', () => T.stack([]), ValueError, '[stack] expected a non-empty array of tensors'],
  ['split: parts that do not divide', () => T.split(z([5]), 2), ValueError, '[split] cannot split axis 0 of size 5 (shape [5]) into 2 equal parts'],
  ['x.split(): sizes that do not add up', () => z([5]).split([2, 2]), ValueError, '[split] sizes [2,2] add up to 4, but axis 0 of shape [5] has size 5'],
  ['split: negative sizes', () => T.split(z([5]), [-1, 6]), ValueError, '[split] sizes must be a positive integer or a list of non-negative integers: got [-1,6]'],
  ['split: zero parts', () => T.split(z([4]), 0), ValueError, '[split] cannot split axis 0 of size 4 (shape [4]) into 0 equal parts'],
  ['pad: too few pairs', () => T.pad(z([2, 3]), bad([[1, 1]])), ValueError, '[pad] widths must give one [before, after] pair per axis of shape [2,3]: got [[1,1]]'],
  ['x.pad(): negative width', () => z([2, 3]).pad(-1), ValueError, '[pad] widths must be non-negative integers: got -1 for shape [2,3]'],
  ['pad: fractional width', () => T.pad(z([2, 3]), [[0, 1], [1.5, 0]]), ValueError, '[pad] widths must be non-negative integers: got [[0,1],[1.5,0]] for shape [2,3]'],
  // values
  ['clamp: min above max', () => T.clamp(z([2]), 2, 1), ValueError, '[clamp] min must not exceed max: got min 2, max 1'],
  ['x.clamp(): NaN bound', () => z([2]).clamp(Number.NaN), ValueError, '[clamp] bounds must be numbers: got min NaN, max undefined'],
  ['item: not one element', () => z([2]).item(), ValueError, '[item] only a one-element tensor converts to a number: shape [2]'],
  ['item: empty', () => z([0, 3]).item(), ValueError, '[item] only a one-element tensor converts to a number: shape [0,3]'],
  ['max: an empty axis', () => T.max(z([2, 0]), { axis: 1 }), ValueError, '[max] cannot reduce an empty axis: shape [2,0], axis 1 has size 0'],
  ['x.min(): all axes of an empty tensor', () => z([0]).min(), ValueError, '[min] cannot reduce an empty axis: shape [0], axis 0 has size 0'],
  ['argmax: an empty tensor', () => T.argmax(z([0])), ValueError, '[argmax] cannot take argmax of an empty tensor: shape [0]'],
  ['argmin: an empty axis', () => T.argmin(z([2, 0]), { axis: 1 }), ValueError, '[argmin] cannot reduce an empty axis: shape [2,0], axis 1 has size 0'],
  ['norm: Infinity norm over an empty axis', () => T.norm(z([3, 0]), { ord: Infinity, axis: 1 }), ValueError, '[norm] cannot take the Infinity norm over an empty axis: shape [3,0], axis 1 has size 0'],
  ['norm: negative ord', () => T.norm(z([2]), { ord: -1 }), ValueError, '[norm] ord must be 0, a positive number or ±Infinity: got -1'],
  ['variance: negative correction', () => T.variance(z([2]), { correction: -1 }), ValueError, '[variance] correction must be a non-negative number: got -1'],
  ['arange: zero step', () => T.arange(0, 1, 0), ValueError, '[arange] step must not be zero'],
  ['arange: NaN stop', () => T.arange(Number.NaN), ValueError, '[arange] stop must be a finite number: got NaN'],
  ['linspace: negative num', () => T.linspace(0, 1, -1), ValueError, '[linspace] num must be a non-negative integer: got -1'],
  ['linspace: infinite bound', () => T.linspace(0, Infinity, 3), ValueError, '[linspace] start and stop must be finite numbers: got 0 and Infinity'],
  ['eye: fractional n', () => T.eye(2.5), ValueError, '[eye] n must be a non-negative integer: got 2.5'],
  ['eye: negative m', () => T.eye(2, -1), ValueError, '[eye] m must be a non-negative integer: got -1'],
];

describe('error paths: class and exact message', () => {
  it.each(rows)('%s', (_title, fn, cls, message) => {
    expectError(fn, cls, message);
  });

  it('every error class is a TsgradError with its own name', () => {
    for (const [, fn, cls] of rows) {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(TsgradError);
        expect((e as Error).name).toBe(cls.name);
      }
    }
    expect(rows.length).toBeGreaterThan(100);
  });
});
