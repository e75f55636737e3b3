/**
 * The margin kernel (docs/kernel.md): the portfolio model over typed arrays for the tick path, and the unit
 * computation the explanation path (`portfolioMargin`) runs on.
 */
export { kernelServes, MarginKernel, registerSpec, type KernelGreeks, type KernelOptions } from "./kernel.js";
export { KernelMarket, localAllocate, sharedAllocate, type Allocate } from "./matrix.js";
export { KernelRegistry } from "./registry.js";
export { KernelResults, STATUS_BANKRUPT, STATUS_ERROR, STATUS_HEALTHY, STATUS_LIQUIDATION, STATUS_MARGIN_CALL, STATUS_NAMES, statusCode, type ResultBuffers } from "./results.js";
export type { KernelAccountSpec, KernelOrderSpec, KernelPositionSpec } from "./positionStore.js";
