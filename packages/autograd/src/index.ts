/**
 * @tsgrad/autograd: reverse-mode automatic differentiation over @tsgrad/tensor. Variables record the
 * primitives that made them; backward walks that record in reverse, calling each primitive's VJP.
 *
 * @module @tsgrad/autograd
 */
export { Variable, Node, AutogradError, variable, asVariable, noGrad, enableGrad, isGradEnabled } from './variable.js';
export type { VariableLike, VariableOptions } from './variable.js';
export { backward, gradients, type BackwardOptions, type GradientsOptions } from './engine.js';
export { grad, valueAndGrad, vjp, jvp, hessianVectorProduct, type GradOptions } from './functional.js';
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions } from './gradcheck.js';
export { toDot } from './dot.js';
export { rules, type Primitive, type PrimitiveParams, type Rule, type VjpContext } from './rules.js';
export * from './ops.js';
