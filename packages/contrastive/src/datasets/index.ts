/** Data sets rendered or generated here, with no download: the toy airplane of DrLIM's lighting experiment. */
export {
  AIRPLANE_AZIMUTHS, AIRPLANE_ELEVATIONS, AIRPLANE_LIGHTINGS, airplaneDataset, airplanePosePairs, renderAirplane,
  sinDeg, cosDeg, sqrtDet,
  type AirplaneDataset, type AirplaneDatasetOptions, type RenderOptions,
} from './airplane.js';
