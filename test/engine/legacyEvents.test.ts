import { describe, expect, it } from "vitest";
import { engineEvent } from "../../src/engine/events.js";

describe("event logs written by earlier dpm versions still replay", () => {
  const end = { type: "liquidation_end", account: "a", fees: "0", deficitUsd: 0, fundCover: "0", cashAsset: "USDC", uncoveredUsd: 0, equity: 1, adjustedEquity: 1, maintenanceMargin: 0.5, marginRatio: 0.5 };
  it("a liquidation_end with outcome 'healthy' (before 2026-11-26) reads as 'restored'; unknown outcomes are still refused", () => {
    const r = engineEvent.safeParse({ ...end, outcome: "healthy" });
    const now = engineEvent.safeParse({ ...end, outcome: "restored" });
    expect(now.success, JSON.stringify(now.error?.issues)).toBe(true);
    expect(r.success && r.data.type === "liquidation_end" && r.data.outcome).toBe("restored");
    expect(engineEvent.safeParse({ ...end, outcome: "fine" }).success).toBe(false);
  });
});
