import type { Engine } from "../../engine/engine.js";
import type { MarketFeed } from "../../market/oracle/types.js";
import { DeribitFeed } from "../feeds/deribit.js";
import { ReplayFeed } from "../feeds/replay.js";
import { SimulatedMicrostructure } from "../feeds/simulatedBook.js";
import { demoFeed } from "../http/demo.js";
import { DpmInputError } from "../../input/issues.js";

/** A parsed `--feed` value. */
export type FeedSpec =
  | { readonly kind: "none" }
  | { readonly kind: "simulated" }
  | { readonly kind: "replay"; readonly file: string; readonly speed: number | "max" }
  | { readonly kind: "deribit"; readonly url?: string };

const USAGE = "must be none, simulated, replay:FILE[@SPEED] (SPEED a number > 0 or max) or deribit[:ws(s)://URL]";

/** Parse `--feed`: `none`, `simulated`, `replay:FILE[@SPEED]`, `deribit[:URL]`. */
export function parseFeedSpec(text: string): FeedSpec {
  const bad = () => new DpmInputError("invalid --feed", [{ path: "--feed", message: USAGE, value: text }]);
  if (text === "none" || text === "simulated") return { kind: text };
  if (text === "deribit") return { kind: "deribit" };
  if (text.startsWith("deribit:")) {
    const url = text.slice("deribit:".length);
    if (!/^wss?:\/\/\S+$/.test(url)) throw bad();
    return { kind: "deribit", url };
  }
  if (text.startsWith("replay:")) {
    const rest = text.slice("replay:".length);
    const at = rest.lastIndexOf("@");
    const file = at > 0 ? rest.slice(0, at) : rest;
    const speedText = at > 0 ? rest.slice(at + 1) : "max";
    const speed = speedText === "max" ? "max" : Number(speedText);
    if (file === "" || (speed !== "max" && !(Number.isFinite(speed) && speed > 0))) throw bad();
    return { kind: "replay", file, speed };
  }
  throw bad();
}

/**
 * The feed a service runs: the seeded simulation, a JSON-lines recording (timestamps rebased to now so the
 * oracle's staleness checks hold), or Deribit's public API for the market's assets and instruments.
 */
export function feedFrom(spec: FeedSpec, engine: Engine, seed: number, tickMs: number): MarketFeed | undefined {
  switch (spec.kind) {
    case "none":
      return undefined;
    case "simulated": {
      // The simulated market gains books (spread and depth widen and thin with the simulated vol) and trades.
      const feed = demoFeed(engine, seed, tickMs);
      const micro = new SimulatedMicrostructure(feed.config);
      feed.extra = (step) => micro.events(step);
      return feed;
    }
    case "replay":
      return new ReplayFeed({ file: spec.file, speed: spec.speed, rebase: true });
    case "deribit": {
      const m = engine.state.market;
      const stable = new Set(engine.state.params.collateral.stablecoins);
      const indices = m ? Object.keys(m.assets).filter((a) => !stable.has(a)).map((a) => `${a.toLowerCase()}_usd`) : ["btc_usd", "eth_usd"];
      // Books and trades of the futures and perpetuals, and the spot books of the collateral assets (BTC_USDC → BTC): the liquidity charges' depth and the live features.
      const delta1 = m ? Object.keys(m.instruments).filter((n) => /-(PERPETUAL|\d{1,2}[A-Z]{3}\d{2})$/.test(n)) : [];
      const spot = m ? Object.keys(m.assets).filter((a) => !stable.has(a)).map((a) => `${a}_USDC`) : [];
      return new DeribitFeed({ ...(spec.url ? { url: spec.url } : {}), indices, instruments: m ? Object.keys(m.instruments) : [], books: [...delta1, ...spot], trades: delta1 });
    }
  }
}
