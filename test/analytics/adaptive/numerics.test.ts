import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fitGarch, garchForecasts, garchLogLikelihood, horizonVariance } from "../../../src/analytics/adaptive/garch.js";
import { nelderMead } from "../../../src/analytics/adaptive/optim.js";
import { predictRow, quantileRegression } from "../../../src/analytics/adaptive/quantreg.js";
import { empiricalQuantile, incompleteBeta, lnGamma, meanPinball, pinball, studentTCdf, studentTQuantile, unitTAbsQuantile } from "../../../src/analytics/adaptive/stats.js";
import { seededRng } from "../../../src/risk/rng.js";
import { SYN_GARCH, syntheticGarchBars } from "./synthetic.js";

describe("ln Γ, Student-t, empirical quantile (reference values from scipy 1.17)", () => {
  it("lnGamma matches known values", () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5723649429247004, 12); // ln √π
    expect(lnGamma(5)).toBeCloseTo(3.178053830347945, 12); // ln 24
    expect(lnGamma(2.5)).toBeCloseTo(0.2846828704729196, 12);
    expect(lnGamma(3)).toBeCloseTo(Math.LN2, 12);
  });
  it("regularised incomplete beta and the t CDF / quantile", () => {
    expect(incompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 12);
    expect(studentTCdf(-1.5, 3)).toBeCloseTo(0.11529193262241147, 11);
    expect(studentTCdf(0, 7)).toBe(0.5);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032142983555228, 9);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977934, 9);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 8);
    expect(studentTQuantile(0.99, 30)).toBeCloseTo(2.457261542400591, 9);
    expect(studentTQuantile(0.005, 4.5)).toBeCloseTo(-4.272823993011293, 9);
    // Two-sided 99 % quantile of a unit-variance t(5): t⁻¹(0.995)·√(3/5).
    expect(unitTAbsQuantile(0.99, 5)).toBeCloseTo(3.1232845249672967, 9);
  });
  it("empirical quantile is the ⌈τn⌉-th smallest, free of floating-point noise", () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(empiricalQuantile(x, 0.99)).toBe(990);
    expect(empiricalQuantile([3, 1, 2], 0.5)).toBe(2);
    expect(empiricalQuantile([5, 1, 4, 2, 3], 0.8)).toBe(4);
  });
  it("pinball loss: τu above, (τ − 1)u below", () => {
    expect(pinball(2, 0.9)).toBeCloseTo(1.8, 15);
    expect(pinball(-2, 0.9)).toBeCloseTo(0.2, 15);
    expect(pinball(0, 0.3)).toBe(0);
    expect(meanPinball([1, 2, 3], [2, 2, 2], 0.25)).toBeCloseTo((0.75 + 0 + 0.25) / 3, 15);
  });
  it("the empirical quantile minimises the mean pinball loss over constants", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 40 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (ys, tau, d) => {
      const q = empiricalQuantile(ys, tau);
      const at = (c: number): number => meanPinball(ys, ys.map(() => c), tau);
      return at(q) <= at(q + d) + 1e-12;
    }));
  });
});

describe("quantile regression (Frisch–Newton interior point)", () => {
  it("intercept-only fit is the empirical quantile (exact LP solution)", () => {
    const y = Float64Array.of(3, 1, 4, 1, 5, 9, 2, 6, 5);
    const med = quantileRegression([], y, 0.5), q8 = quantileRegression([], y, 0.8);
    expect(med.coef[0]).toBeCloseTo(4, 6);
    expect(q8.coef[0]).toBeCloseTo(6, 6);
    expect(med.converged).toBe(true);
  });
  it("recovers known coefficients of a heteroskedastic linear model at τ = 0.9", () => {
    // y = 1 + 2 x1 − 0.5 x2 + (1 + 0.5 x1) u, u ~ N(0,1): the 0.9-quantile is (1 + q) + (2 + 0.5 q) x1 − 0.5 x2, q = Φ⁻¹(0.9).
    const rng = seededRng(11), n = 20000, q = 1.2815515655446004;
    const x1 = new Float64Array(n), x2 = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { x1[i] = 2 * rng.uniform(); x2[i] = rng.normal(); y[i] = 1 + 2 * x1[i] - 0.5 * x2[i] + (1 + 0.5 * x1[i]) * rng.normal(); }
    const f = quantileRegression([x1, x2], y, 0.9);
    expect(f.coef[0]).toBeCloseTo(1 + q, 1);
    expect(f.coef[1]).toBeCloseTo(2 + 0.5 * q, 1);
    expect(f.coef[2]).toBeCloseTo(-0.5, 1);
    expect(Math.abs(f.coef[1] - (2 + 0.5 * q))).toBeLessThan(0.06);
    // Share of points below the fitted quantile ≈ τ (an LP optimum has ⌊τn⌋..⌈τn⌉ + p points below).
    let below = 0;
    for (let i = 0; i < n; i++) if (y[i] <= predictRow(f.coef, [x1, x2], i) + 1e-12) below++;
    expect(Math.abs(below / n - 0.9)).toBeLessThan(0.001);
  });
  it("no coefficient perturbation lowers the pinball loss (optimality)", () => {
    const rng = seededRng(5), n = 300;
    const x = Float64Array.from({ length: n }, () => rng.normal()), y = Float64Array.from(x, (v) => 0.3 + v + rng.normal());
    const f = quantileRegression([x], y, 0.7);
    const loss = (b0: number, b1: number): number => meanPinball(y, Float64Array.from(x, (v) => b0 + b1 * v), 0.7);
    for (const [d0, d1] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3], [1e-3, -1e-3]]) expect(loss(f.coef[0] + d0, f.coef[1] + d1)).toBeGreaterThanOrEqual(f.loss - 1e-12);
    expect(loss(f.coef[0], f.coef[1])).toBeCloseTo(f.loss, 12);
  });
});

describe("GARCH(1,1)-t", () => {
  const r = Float64Array.of(0.01, -0.02, 0.015, 0.03, -0.005);
  const p = { omega: 1e-5, alpha: 0.1, beta: 0.85, nu: 5 };
  it("log-likelihood equals a hand computation on five returns", () => {
    // σ²: 2e-4 (v0), then ω + α r²_{t−1} + β σ²_{t−1}.
    const v = [2e-4, 1e-5 + 0.1 * 1e-4 + 0.85 * 2e-4];
    v.push(1e-5 + 0.1 * 4e-4 + 0.85 * v[1], 0, 0);
    v[3] = 1e-5 + 0.1 * 2.25e-4 + 0.85 * v[2];
    v[4] = 1e-5 + 0.1 * 9e-4 + 0.85 * v[3];
    expect(v.map((x) => Number(x.toPrecision(10)))).toEqual([0.0002, 0.00019, 0.0002115, 0.000212275, 0.00028043375]);
    // ℓ_t = lnΓ(3) − lnΓ(2.5) − ½ ln(3π) − ½ ln σ²_t − 3 ln(1 + r²/(3σ²)).
    const k = Math.LN2 - 0.2846828704729196 - 0.5 * Math.log(3 * Math.PI);
    const hand = r.reduce((s, x, t) => s + k - 0.5 * Math.log(v[t]) - 3 * Math.log(1 + (x * x) / (3 * v[t])), 0);
    expect(garchLogLikelihood(r, p, 2e-4)).toBeCloseTo(hand, 10);
    expect(garchLogLikelihood(r, p, 2e-4)).toBeCloseTo(11.827091754778891, 9); // scipy-independent Python check
  });
  it("forecasts and the h-step variance follow the recursion", () => {
    const f = garchForecasts(r, p, 2e-4);
    expect(f[0]).toBeCloseTo(0.00019, 15);
    expect(f[4]).toBeCloseTo(1e-5 + 0.1 * 0.005 ** 2 + 0.85 * 0.00028043375, 15);
    const bar = 1e-5 / 0.05, v1 = 3e-4;
    expect(horizonVariance(v1, p, 1)).toBeCloseTo(v1, 15);
    expect(horizonVariance(v1, p, 3)).toBeCloseTo(3 * bar + (v1 - bar) * (1 + 0.95 + 0.95 ** 2), 15);
  });
  it("maximum likelihood recovers the parameters of a simulated series and beats the true parameters' likelihood", () => {
    const s = syntheticGarchBars(21, 6000);
    const fit = fitGarch(s.returns);
    expect(fit.params.alpha).toBeGreaterThan(SYN_GARCH.alpha - 0.03);
    expect(fit.params.alpha).toBeLessThan(SYN_GARCH.alpha + 0.03);
    expect(Math.abs(fit.params.beta - SYN_GARCH.beta)).toBeLessThan(0.04);
    expect(Math.abs(fit.params.nu - SYN_GARCH.nu)).toBeLessThan(1.5);
    expect(fit.logLik).toBeGreaterThanOrEqual(garchLogLikelihood(s.returns, SYN_GARCH, fit.v0));
  });
  it("Nelder–Mead finds the minimum of the Rosenbrock function", () => {
    const f = nelderMead((x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, Float64Array.of(-1.2, 1), { maxEvaluations: 5000, tolerance: 1e-14 });
    expect(f.x[0]).toBeCloseTo(1, 4);
    expect(f.x[1]).toBeCloseTo(1, 4);
  });
});
