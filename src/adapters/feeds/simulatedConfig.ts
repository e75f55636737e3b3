/** Configuration of the simulated market (zod, with defaults): assets, sources, instruments, timing. */
import { z } from "zod";
import { DpmInputError } from "../../input/issues.js";
import { fromZod } from "../../input/zodIssues.js";
import { parseInstrument } from "../../domain/instrument.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const nonNegative = finite.refine((v) => v >= 0, "must be ≥ 0");
const positive = finite.refine((v) => v > 0, "must be > 0");

/** One simulated asset: jump-diffusion of the index with a mean-reverting (log-OU) flat vol. Annualised units. */
const assetSchema = z.strictObject({
  asset: z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code"),
  /** Starting index (USD per coin). */
  spot: positive,
  /** Starting and long-run flat implied vol (annualised, 0.55 = 55 %); it also drives the diffusion. */
  vol: positive.refine((v) => v <= 5, "must be ≤ 5"),
  rate: finite.default(0),
  /** Expected jumps per year, log-jump mean and standard deviation. */
  jumpsPerYear: nonNegative.default(20),
  jumpMean: finite.default(-0.01),
  jumpStd: nonNegative.default(0.03),
  /** Vol of log-vol (annualised) and its mean-reversion speed (per year). */
  volOfVol: nonNegative.default(1.5),
  volReversion: nonNegative.default(50),
  /** Correlation of spot and vol shocks (negative: vol rises as price falls). */
  spotVolCorrelation: finite.refine((v) => v >= -1 && v <= 1, "must be in [-1, 1]").default(-0.5),
});

const DEFAULT_ASSETS = [
  { asset: "BTC", spot: 92_000, vol: 0.55 },
  { asset: "ETH", spot: 3_100, vol: 0.65 },
  { asset: "SOL", spot: 240, vol: 0.85, jumpsPerYear: 30 },
  { asset: "USDC", spot: 1, vol: 0.005, jumpsPerYear: 0, volOfVol: 0 },
];

/** Zod schema of the simulated market's configuration. */
export const simulatedConfigSchema = z.strictObject({
  /** Seed of the PRNG: the same seed and configuration give the same path. */
  seed: z.number({ error: "must be an integer seed" }).int("must be an integer seed"),
  assets: z.array(assetSchema).min(1, "needs at least one asset").default(() => DEFAULT_ASSETS.map((a) => assetSchema.parse(a))),
  /** Names of the synthetic price sources; each quotes every asset with its own small noise. */
  sources: z.array(z.string().min(1)).min(1).default(["sim-a", "sim-b", "sim-c", "sim-d", "sim-e"]),
  /** Relative standard deviation of a source's quote around the true index (0.0002 = 2 bp). */
  sourceNoise: nonNegative.default(0.0002),
  /** Probability that one source quote is corrupted (×20 pump, ×1e10 scale error, zero or negative), for demos. */
  badTickProbability: finite.refine((v) => v >= 0 && v <= 1, "must be a probability").default(0),
  /** Futures, perpetuals and options to mark (Deribit names); options get a mark IV, the others a mark price. */
  instruments: z.array(z.string().refine((s) => parseInstrument(s).ok, "must be an instrument name such as BTC-PERPETUAL")).default(["BTC-PERPETUAL", "ETH-PERPETUAL"]),
  /**
   * Per future or perpetual: its mark ÷ the model forward (index × e^(rate·T)), kept as the index moves, so a
   * snapshot's basis survives the first tick (`simulatedAnchors`). Default 1: the mark is the model forward.
   */
  basis: z.record(z.string(), positive).default({}),
  /** Per option: its implied vol ÷ the feed's smile, kept as the smile moves (the snapshot's offset from it). Default 1. */
  ivScale: z.record(z.string(), positive).default({}),
  /** Model time per step (seconds). */
  stepSeconds: positive.default(1),
  /** Wall-clock time between steps of the running feed (ms). */
  intervalMs: positive.default(1_000),
  /** Time of step 0 for `simulatedPath` (epoch ms). */
  startTs: z.number().int().min(0).default(Date.UTC(2024, 10, 20, 8)),
});

export type SimulatedConfig = z.output<typeof simulatedConfigSchema>;
export type SimulatedAsset = SimulatedConfig["assets"][number];
/** Input form: everything but `seed` may be omitted. */
export type SimulatedConfigInput = z.input<typeof simulatedConfigSchema>;

/** Validate a simulated-market configuration; throws DpmInputError listing every problem. */
export function simulatedConfigFrom(input: unknown): SimulatedConfig {
  const r = simulatedConfigSchema.safeParse(input);
  if (!r.success) throw new DpmInputError("invalid simulated feed configuration", fromZod(r.error, input));
  return r.data;
}
