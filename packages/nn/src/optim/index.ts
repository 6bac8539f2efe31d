export { Optimizer, checkHyper, type OptimizerState, type ParamGroup, type ParamGroupInput } from './optimizer.js';
export { SGD, Adam, AdamW, type SGDOptions, type AdamOptions } from './algorithms.js';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup } from './schedules.js';
