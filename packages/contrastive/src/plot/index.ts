/**
 * Plots as standalone SVG documents (no DOM, no Node API): embeddings with digit thumbnails, 3-D maps from several
 * viewpoints, loss curves.
 */
export { scatterSvg, type ScatterOptions, type ScatterThumbnails } from './scatter.js';
export { scatter3dSvg, viewBasis, type Scatter3dOptions, type View3d } from './scatter3d.js';
export { lossCurveSvg, type LossHistory, type LossCurveOptions } from './loss-curve.js';
export { encodePngGray, pngDataUri } from './png.js';
export { TABLEAU10, OKABE_ITO, escapeXml, niceTicks, niceStep, logTicks, type Ticks } from './svg.js';
// The building blocks of those plots, for custom figures (examples/spring draws force diagrams with them).
export {
  num, svgOpen, drawAxes, drawLegend, linearScale,
  type Frame, type AxesSpec, type LegendEntry,
} from './svg.js';
