/**
 * @tsgrad/nn: modules with PyTorch's parameter naming and layouts, layers, initialisers, optimisers and
 * learning-rate schedules, state saved as safetensors, and models exported to ONNX.
 *
 * @module @tsgrad/nn
 */
export { Module, Parameter, NNError } from './module.js';
export { Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, ReLU, Tanh, Sigmoid, GELU, Sequential } from './layers.js';
export type { LayerOptions, Conv2dLayerOptions } from './layers.js';
export * as init from './init.js';
export * as optim from './optim/index.js';
export { saveSafetensors, loadSafetensors, safetensorsMetadata, SafetensorsError } from './safetensors.js';
export { exportOnnx, OnnxExportError, DEFAULT_ONNX_OPSET } from './onnx/export.js';
export type { ExportOnnxOptions } from './onnx/export.js';
