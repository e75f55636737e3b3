/** Transfer routes between venues (data: `routes` of the venue parameters). Pure. */
import type { TransferRoute, VenuesParams } from "./types.js";

const specificity = (r: TransferRoute): number => (r.from === "*" ? 0 : 2) + (r.to === "*" ? 0 : 1);

/** The route for an asset from one venue to another: the most specific match (exact beats `*`), undefined if none. */
export function routeFor(p: VenuesParams, asset: string, from: string, to: string): TransferRoute | undefined {
  let best: TransferRoute | undefined;
  for (const r of p.routes) {
    if (r.asset !== asset || (r.from !== "*" && r.from !== from) || (r.to !== "*" && r.to !== to)) continue;
    if (!best || specificity(r) > specificity(best)) best = r;
  }
  return best;
}

/** The fastest route of any asset from one venue to another. */
export function routeBetween(p: VenuesParams, from: string, to: string): TransferRoute | undefined {
  let best: TransferRoute | undefined;
  for (const asset of new Set(p.routes.map((r) => r.asset))) {
    const r = routeFor(p, asset, from, to);
    if (r && (!best || r.hours < best.hours)) best = r;
  }
  return best;
}
