/**
 * The book of adaptive proposals, folded from the event log: `params_proposal` opens one (pending),
 * `params_proposal_closed` rejects or supersedes it, a `params` event whose `adaptive.proposalId` names it applies
 * it. The same fold runs over the log at start and over the scheduler's own events as they are acknowledged, so a
 * restart shows exactly what the log says.
 */
import type { AdaptiveMeta, ParamsProposalEvent } from "../../engine/adaptiveEvents.js";

export type ProposalStatus = "pending" | "applied" | "rejected" | "superseded";

/** A proposal as the API shows it. */
export interface ProposalView {
  readonly id: string;
  status: ProposalStatus;
  /** Sequence number of the proposal event, and of the event that closed or applied it. */
  readonly seq: number;
  closedSeq?: number;
  readonly mode: "propose" | "auto";
  readonly trigger: AdaptiveMeta["trigger"];
  readonly feedTime: number;
  readonly effectiveAt: number | null;
  readonly params: Record<string, unknown>;
  readonly adaptive: AdaptiveMeta;
  decidedBy?: "admin" | "auto";
  decidedAt?: number;
  reason?: string;
}

/** Largest number of proposals kept (the oldest closed ones are dropped first; pending ones are always kept). */
export const MAX_PROPOSALS = 200;

export class ProposalBook {
  private readonly byId = new Map<string, ProposalView>();
  /** Proposals ever opened (ids are `p-<count>`). */
  count = 0;
  /** Metadata of the last applied proposal (the features and model behind the current parameters). */
  lastApplied: (AdaptiveMeta & { seq: number }) | undefined;

  /** Fold one logged event (others are ignored). */
  apply(seq: number, e: unknown): void {
    const ev = e as { type?: string; id?: string; outcome?: string; reason?: string; adaptive?: AdaptiveMeta };
    if (ev.type === "params_proposal") this.open(seq, e as ParamsProposalEvent);
    else if (ev.type === "params_proposal_closed" && ev.id) {
      const p = this.byId.get(ev.id);
      if (p && p.status === "pending") { p.status = ev.outcome === "rejected" ? "rejected" : "superseded"; p.closedSeq = seq; if (ev.reason) p.reason = ev.reason; }
    } else if (ev.type === "params" && ev.adaptive?.proposalId) {
      const p = this.byId.get(ev.adaptive.proposalId);
      if (p) { p.status = "applied"; p.closedSeq = seq; p.decidedBy = ev.adaptive.decidedBy; p.decidedAt = ev.adaptive.decidedAt; }
      this.lastApplied = { ...ev.adaptive, seq };
    }
  }

  private open(seq: number, e: ParamsProposalEvent): void {
    const n = Number(e.id.slice(2));
    this.count = Math.max(this.count, n);
    this.byId.set(e.id, { id: e.id, status: "pending", seq, mode: e.adaptive.mode, trigger: e.adaptive.trigger, feedTime: e.adaptive.feedTime, effectiveAt: e.effectiveAt, params: e.params, adaptive: e.adaptive });
    if (this.byId.size > MAX_PROPOSALS) {
      const old = [...this.byId.values()].find((p) => p.status !== "pending");
      if (old) this.byId.delete(old.id);
    }
  }

  get(id: string): ProposalView | undefined {
    return this.byId.get(id);
  }

  /** Pending proposals, oldest first. */
  pending(): ProposalView[] {
    return [...this.byId.values()].filter((p) => p.status === "pending");
  }

  /** Every proposal kept, newest first. */
  list(): ProposalView[] {
    return [...this.byId.values()].reverse();
  }
}
