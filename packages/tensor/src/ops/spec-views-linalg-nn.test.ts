/**
 * Spec-table property tests (testing/op-spec.ts, driven by testing/spec-driver.ts): shape ops and views, matmul,
 * cdist, topk, softmax, conv2d and pooling, float32 and float64, function and method forms, against the naive
 * float64 references. Elementwise ops and reductions are in spec-elementwise-reduce.test.ts.
 */
import { OPS } from '../../../../testing/op-spec.js';
import { describeOps } from '../../../../testing/spec-driver.js';

describeOps(OPS.filter((s) => ['view', 'linalg', 'nn'].includes(s.group)));
