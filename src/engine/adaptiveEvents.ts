/**
 * Events of adaptive parameters (issue 13 item 5, `dpm serve --adaptive propose|auto`): a proposal is logged when
 * the scheduler computes one, closed when an admin rejects it or a newer one supersedes it, and applied as a
 * `params` event carrying the same metadata (`adaptive`) when an admin approves it or its notice period ends.
 * Everything the scheduler computed (features, the model's output, the bounds that clamped it, the impact on the
 * live accounts) is in the logged event: replay applies the `params` event and never recomputes any of it.
 * Neither proposal event changes the engine state; the scheduler's book of proposals is folded from the log.
 */
import { z } from "zod";
import { timeSchema } from "../input/boundSchemas.js";

/** `p-<n>`: the n-th proposal of the log. */
export const proposalIdSchema = z.string({ error: "must be a proposal id" }).regex(/^p-[1-9]\d{0,11}$/, "must be a proposal id such as p-1");
const record = z.record(z.string(), z.unknown());

/** Who applied a proposal: an admin (approve), the scheduler after the notice period (auto). */
export const decidedBySchema = z.enum(["admin", "auto"]);

/**
 * What a proposal carries besides the parameter file: per asset the features (bar features at the last bar and
 * the live measurements), the model's output (raw and APC move, APC rule, coefficients), the bounds (schema bounds
 * of priceRange, the unclamped value, which bound clamped); the impact summary over the live accounts and the
 * accounts that cross into margin call or liquidation.
 */
export const adaptiveMetaSchema = z.strictObject({
  proposalId: proposalIdSchema,
  mode: z.enum(["propose", "auto"]),
  trigger: z.enum(["schedule", "regime", "manual"]),
  /** Feed time of the computation (latest valuation time of the market, epoch ms). */
  feedTime: timeSchema,
  /** The static parameters the move is applied to (a preset name). */
  base: z.string().min(1).max(64),
  assets: z.record(z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/), z.strictObject({ features: record, model: record, bounds: record })),
  impact: record,
  /** Set on the `params` event: who applied it, when (feed time) and the impact at that moment. */
  decidedBy: decidedBySchema.optional(),
  decidedAt: timeSchema.optional(),
  impactAtDecision: record.optional(),
});
export type AdaptiveMeta = z.infer<typeof adaptiveMetaSchema>;

/** A proposal: the parameter file (validated as a `params` event's would be), its metadata, when `auto` applies it. */
export const paramsProposalEvent = z.strictObject({
  type: z.literal("params_proposal"), id: proposalIdSchema, params: record, adaptive: adaptiveMetaSchema,
  /** auto: feed time at or after which it is applied (feedTime + notice); propose: null (waits for an admin). */
  effectiveAt: timeSchema.nullable(),
});

/** A proposal that will not be applied: rejected by an admin, superseded by a newer one. */
export const paramsProposalClosedEvent = z.strictObject({
  type: z.literal("params_proposal_closed"), id: proposalIdSchema, outcome: z.enum(["rejected", "superseded"]),
  reason: z.string().max(500).optional(),
});

export type ParamsProposalEvent = z.infer<typeof paramsProposalEvent>;
export type ParamsProposalClosedEvent = z.infer<typeof paramsProposalClosedEvent>;
