/**
 * @tsgrad/contrastive: DrLIM (Hadsell, Chopra & LeCun, 2006) — the contrastive loss, Siamese training on
 * pairs from neighbourhood graphs or prior knowledge, evaluation and plots. Runs in Node and the browser; the
 * MNIST loader and the CLI live in `@tsgrad/contrastive/node`.
 *
 * @module @tsgrad/contrastive
 */
export { contrastiveLoss, generalContrastiveLoss, similarLoss, dissimilarLoss, tripletLoss, ntXentLoss } from './loss.js';
export type { ContrastiveOptions, GeneralContrastiveOptions, TripletOptions, Reduction } from './loss.js';
export { euclideanDistance, squaredEuclideanDistance, cosineDistance } from './distance.js';
export { Siamese } from './siamese.js';
export { Pairs, pairsFromLabels, pairsFromNeighbors, pairsFromGroups } from './pairs.js';
export { PairSampler, type PairBatch, type PairSamplerOptions } from './sampler.js';
export { fit, embed, trainStep, type FitOptions, type History, type PairLoss, type Progress } from './train.js';
export { translate, padTo } from './data.js';
export { readIdx, checkIdxPair, IdxError, type IdxArray, type IdxDType } from './idx.js';
export * from './eval/index.js';
export * from './plot/index.js';
export * from './datasets/index.js';
export { drlimNetwork, type DrlimNetworkOptions } from './network.js';
