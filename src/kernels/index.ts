/** Pure numerical kernels over typed arrays (no I/O). */
export { planeStats, checkRange, type PlaneStats } from "./plane-stats.js";
export { ZStatsAccumulator, zStatsOfTile, createZStats, resetZStats, type ZStats } from "./z-stats.js";
export { combineChannelStats, combinePlaneStats } from "./combine.js";
export { numBins, accumulateHistogram, histogram } from "./histogram.js";
export { mipmapLevels, MipmapAccumulator, type MipmapLevel } from "./mipmap.js";
export { swizzle, swizzleBlocked, swizzleBlocks } from "./swizzle.js";
export { decodeToFloat32, bytesPerValue, type Bitpix, type Scaling } from "./byte-order.js";
export { gatherWindow, type PlaneWindow } from "./gather.js";
