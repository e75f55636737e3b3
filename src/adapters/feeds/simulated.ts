/**
 * The simulated market (default feed): a seeded jump-diffusion of each asset's index, quoted by several
 * synthetic sources with small noise, a mean-reverting flat vol correlated with the price, a per-expiry ATM
 * vol multiplier that drifts, futures and perpetual marks (the model forward × each one's configured basis), and
 * option mark IVs on a simple smile (× each one's configured offset from it; see simulatedAnchors.ts).
 *
 * Model per asset and step of dt years (σ = current vol, λ jumps per year, jumps J ~ N(μJ, σJ²)):
 *   ln S += (r − σ²/2 − λk)·dt + σ·√dt·Z₁ + ΣJ,  k = e^(μJ + σJ²/2) − 1 (so S is a martingale under r)
 *   ln σ += κ·(ln σ̄ − ln σ)·dt + η·√dt·(ρZ₁ + √(1−ρ²)Z₂) + |ΣJ|
 * Source s quotes S·e^(noise·Zₛ). Randomness comes only from the seeded PRNG.
 */
import { parseInstrument, type Instrument } from "../../domain/instrument.js";
import { MS_PER_YEAR } from "../../market/snapshot.js";
import type { FeedEvent, MarketFeed } from "../../market/oracle/types.js";
import { SeededRng } from "./prng.js";
import { simulatedConfigFrom, type SimulatedAsset, type SimulatedConfig, type SimulatedConfigInput } from "./simulatedConfig.js";

/** One step of the simulated market: the true values and what the feed emits. */
export interface SimulatedStep {
  /** Time of the step (epoch ms); every event of the step carries it. */
  readonly ts: number;
  /** True index (USD per coin) and flat vol of each asset, before source noise. */
  readonly truth: Readonly<Record<string, { readonly index: number; readonly vol: number }>>;
  readonly events: readonly FeedEvent[];
}

interface AssetPath {
  readonly cfg: SimulatedAsset;
  logSpot: number;
  logVol: number;
}

const SOURCE_INSTRUMENT = "sim";

/**
 * The feed's smile: implied vol of strike K at ATM vol `atm` on forward F with T years left,
 * atm·(1 − 0.05x + 0.02x²) with x = ln(K/F)/(atm√T) clamped to [−4, 4].
 */
export function smileIv(atm: number, strike: number, forward: number, T: number): number {
  const x = Math.max(-4, Math.min(4, Math.log(strike / forward) / (atm * Math.sqrt(T))));
  return atm * (1 - 0.05 * x + 0.02 * x * x);
}

/** A per-instrument factor of the configuration (own keys only), default 1. */
const factor = (table: Readonly<Record<string, number>>, name: string): number => (Object.hasOwn(table, name) ? table[name] : 1);

/** The market's state machine: each `step(ts)` advances model time by `stepSeconds`. */
export class SimulatedMarket {
  private readonly rng: SeededRng;
  private readonly paths: AssetPath[];
  private readonly instruments: Instrument[];
  private readonly atmDrift = new Map<string, number>();

  constructor(readonly config: SimulatedConfig) {
    this.rng = new SeededRng(config.seed);
    this.paths = config.assets.map((cfg) => ({ cfg, logSpot: Math.log(cfg.spot), logVol: Math.log(cfg.vol) }));
    this.instruments = config.instruments.flatMap((n) => {
      const p = parseInstrument(n);
      return p.ok ? [p.value] : [];
    });
  }

  /** Advance one step and return the events stamped `ts` (epoch ms). */
  step(ts: number): SimulatedStep {
    const dt = this.config.stepSeconds / (MS_PER_YEAR / 1000);
    const truth: Record<string, { index: number; vol: number }> = {};
    const events: FeedEvent[] = [];
    for (const p of this.paths) {
      this.advance(p, dt);
      const index = Math.exp(p.logSpot);
      const vol = Math.exp(p.logVol);
      truth[p.cfg.asset] = { index, vol };
      for (const source of this.config.sources) {
        events.push({ kind: "price", tick: { source, asset: p.cfg.asset, price: this.quote(index), ts } });
      }
      events.push({ kind: "asset", tick: { source: SOURCE_INSTRUMENT, asset: p.cfg.asset, vol, rate: p.cfg.rate, ts } });
    }
    for (const inst of this.instruments) {
      const e = this.instrumentEvent(inst, truth, ts, dt);
      if (e) events.push(e);
    }
    return { ts, truth, events };
  }

  private advance(p: AssetPath, dt: number): void {
    const c = p.cfg;
    const rng = this.rng;
    const sigma = Math.exp(p.logVol);
    const z1 = rng.normal();
    const z2 = rng.normal();
    const k = Math.exp(c.jumpMean + (c.jumpStd * c.jumpStd) / 2) - 1;
    let jump = 0;
    for (let n = rng.poisson(c.jumpsPerYear * dt); n > 0; n--) jump += c.jumpMean + c.jumpStd * rng.normal();
    p.logSpot += (c.rate - (sigma * sigma) / 2 - c.jumpsPerYear * k) * dt + sigma * Math.sqrt(dt) * z1 + jump;
    const zv = c.spotVolCorrelation * z1 + Math.sqrt(1 - c.spotVolCorrelation * c.spotVolCorrelation) * z2;
    p.logVol += c.volReversion * (Math.log(c.vol) - p.logVol) * dt + c.volOfVol * Math.sqrt(dt) * zv + Math.abs(jump);
    p.logVol = Math.min(Math.log(5), Math.max(Math.log(0.001), p.logVol));
  }

  private quote(index: number): number {
    const price = index * Math.exp(this.config.sourceNoise * this.rng.normal());
    if (this.config.badTickProbability === 0 || this.rng.next() >= this.config.badTickProbability) return price;
    const kind = Math.floor(this.rng.next() * 4);
    return kind === 0 ? price * 20 : kind === 1 ? price * 1e10 : kind === 2 ? 0 : -price;
  }

  private instrumentEvent(inst: Instrument, truth: Record<string, { index: number; vol: number }>, ts: number, dt: number): FeedEvent | undefined {
    const t = truth[inst.underlying];
    const path = this.paths.find((p) => p.cfg.asset === inst.underlying);
    if (!t || !path) return undefined;
    const T = inst.expiry === undefined ? 0 : (inst.expiry - ts) / MS_PER_YEAR;
    if (inst.kind !== "perpetual" && T <= 0) return undefined;
    const forward = t.index * Math.exp(path.cfg.rate * T);
    if (inst.kind !== "option") {
      const premium = 1 + 0.0003 * this.rng.normal();
      return { kind: "instrument", tick: { source: SOURCE_INSTRUMENT, instrument: inst.name, mark: forward * factor(this.config.basis, inst.name) * premium, ts } };
    }
    const atm = t.vol * this.expiryDrift(`${inst.underlying}:${inst.expiryCode ?? ""}`, path.cfg, dt);
    const markIv = Math.max(0.05, Math.min(5, smileIv(atm, inst.strike ?? forward, forward, T) * factor(this.config.ivScale, inst.name)));
    return { kind: "instrument", tick: { source: SOURCE_INSTRUMENT, instrument: inst.name, markIv, ts } };
  }

  /** Per-expiry ATM vol multiplier: exp of a log-OU around 0, advanced once per step and expiry. */
  private expiryDrift(key: string, cfg: SimulatedAsset, dt: number): number {
    let lm = this.atmDrift.get(key) ?? 0;
    lm += -cfg.volReversion * lm * dt + 0.5 * cfg.volOfVol * Math.sqrt(dt) * this.rng.normal();
    this.atmDrift.set(key, lm);
    return Math.exp(lm);
  }
}

/**
 * Pure path generator for tests: `steps` steps from `seed`, step i stamped `startTs + i·stepSeconds·1000`.
 * The same arguments always give the same path.
 */
export function simulatedPath(seed: number, steps: number, config: Omit<SimulatedConfigInput, "seed"> = {}): SimulatedStep[] {
  const cfg = simulatedConfigFrom({ ...config, seed });
  const market = new SimulatedMarket(cfg);
  const out: SimulatedStep[] = [];
  for (let i = 0; i < steps; i++) out.push(market.step(cfg.startTs + Math.round(i * cfg.stepSeconds * 1000)));
  return out;
}

/** Options of the running feed. */
export interface SimulatedFeedOptions {
  /** Clock stamping each step (epoch ms); default `Date.now`. */
  readonly clock?: () => number;
  /** Called when `emit` throws; the feed keeps ticking. */
  readonly onError?: (err: unknown) => void;
}

/** The simulated market as a MarketFeed: one step at start, then one every `intervalMs`, stamped by the clock. */
export class SimulatedFeed implements MarketFeed {
  readonly name = "simulated";
  readonly config: SimulatedConfig;
  private timer: ReturnType<typeof setInterval> | undefined;
  private market: SimulatedMarket | undefined;
  private steps = 0;
  /** Extra events of each step, emitted after the step's own (e.g. books and trades: simulatedBook.ts). */
  extra: ((step: SimulatedStep) => readonly FeedEvent[]) | undefined;

  /** `config` is validated here (DpmInputError on problems); only `seed` is required. */
  constructor(config: SimulatedConfigInput, private readonly options: SimulatedFeedOptions = {}) {
    this.config = simulatedConfigFrom(config);
  }

  /** Steps emitted so far. */
  get stepCount(): number {
    return this.steps;
  }

  async start(emit: (e: FeedEvent) => void): Promise<void> {
    if (this.timer) return;
    this.market ??= new SimulatedMarket(this.config);
    const clock = this.options.clock ?? Date.now;
    const tick = (): void => {
      const step = (this.market as SimulatedMarket).step(clock());
      this.steps++;
      for (const e of this.extra ? [...step.events, ...this.extra(step)] : step.events) {
        try {
          emit(e);
        } catch (err) {
          this.options.onError?.(err);
        }
      }
    };
    tick();
    this.timer = setInterval(tick, this.config.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
