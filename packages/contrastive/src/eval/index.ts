/**
 * Evaluation of an embedding: k-NN classification, PCA, trustworthiness and ROC-AUC for pair verification, and
 * LLE, the paper's baseline map.
 */
export {
  knnAccuracy, knnPredict, leaveOneOutKnnAccuracy, kNearestNeighbors,
  type KnnOptions, type KNearestOptions,
} from './knn.js';
export { pca, type PcaOptions, type PcaResult } from './pca.js';
export { lle, type LleOptions, type LleResult } from './lle.js';
export { trustworthiness, type TrustworthinessOptions } from './trustworthiness.js';
export { rocAuc, rocCurve } from './roc.js';
export {
  spreadRatio, circularCorrelation, fitCylinder, angleDifference, type CylinderReading,
} from './cylinder.js';
