import type { VenueOutcome } from "./commands/margin.js";
import { amount, table } from "./format.js";

/** One account under several venues' presets: IM, MM, available funds and status per venue. */
export function formatVenues(account: string, currency: string, venues: readonly VenueOutcome[]): string {
  const ok = venues.flatMap((v) => ("result" in v ? [v.result.initialMargin] : []));
  const least = ok.length > 0 ? Math.min(...ok) : NaN;
  return [`account ${account} (${currency}): portfolio margin by venue preset`, table(
    ["preset", "IM", "MM", "available", "IM vs least", "status"],
    venues.map((v) => "result" in v
      ? [v.preset, amount(v.result.initialMargin, currency), amount(v.result.maintenanceMargin, currency), amount(v.result.availableFunds, currency),
        least > 0 ? `${((v.result.initialMargin / least) * 100).toFixed(1)}%` : "n/a", v.result.status]
      : [v.preset, "n/a", "n/a", "n/a", "", `cannot margin: ${v.error.length > 70 ? `${v.error.slice(0, 67)}...` : v.error}`]),
  )].join("\n");
}
