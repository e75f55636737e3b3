/*
 * Numbers as JavaScript prints them (Number#toString, JSON.stringify), written as ASCII bytes into this module's
 * memory: the shortest decimal that reads back to the same double (and of those the closest), found as Ulf Adams's
 * Ryu does it ("Ryu: fast float-to-string conversion", PLDI 2018), then laid out by ECMAScript's Number::toString
 * rules. Built to WebAssembly by scripts/build-wasm.mjs (clang, no libc); used by src/adapters/cli/jsonBytes.ts to
 * write `dpm margin --json` lines, where V8's own conversion was a third of the command's time.
 * Non-finite numbers are written as JSON writes them: null.
 */
#include <stdint.h>

#include "pow5Tables.h"

#define MANTISSA_BITS 52
#define EXPONENT_BIAS 1023
#define POW5_BITS 125

static const char PAIRS[200] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Bits of 5^e: floor(e * log2(5)) + 1, exact for 0 <= e <= 3528. */
static inline int32_t pow5bits(int32_t e) { return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1; }
/* floor(e * log10(2)), exact for 0 <= e <= 1650. */
static inline uint32_t log10Pow2(int32_t e) { return ((uint32_t)e * 78913u) >> 18; }
/* floor(e * log10(5)), exact for 0 <= e <= 2620. */
static inline uint32_t log10Pow5(int32_t e) { return ((uint32_t)e * 732923u) >> 20; }

static inline uint32_t pow5Factor(uint64_t v) {
  uint32_t n = 0;
  while (v % 5 == 0) { v /= 5; n++; }
  return n;
}

/* The high 64 bits of a * b; the low 64 in *lo. (No 128-bit type: its multiply is a libc call on wasm32.) */
static inline uint64_t mulHigh(uint64_t a, uint64_t b, uint64_t *lo) {
  uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = p10 + (p00 >> 32);
  uint64_t mid2 = p01 + (uint32_t)mid;
  *lo = (mid2 << 32) | (uint32_t)p00;
  return p11 + (mid >> 32) + (mid2 >> 32);
}

static inline uint64_t shiftRight128(uint64_t lo, uint64_t hi, int32_t d) { return (hi << (64 - d)) | (lo >> d); }

/*
 * (4 m2 * mul) >> j, and in *vp and *vm the same for 4 m2 + 2 and 4 m2 - 1 - mmShift, for a 125-bit multiplier
 * { low, high } and 65 < j < 128: one 64 x 128-bit product of 2 m2, the other two by adding or subtracting mul.
 */
static inline uint64_t mulShiftAll(uint64_t m2, const uint64_t *mul, int32_t j, uint64_t *vp, uint64_t *vm, uint32_t mmShift) {
  uint64_t m = m2 << 1;
  uint64_t lo, midLo;
  uint64_t t0 = mulHigh(m, mul[0], &lo);
  uint64_t hi = mulHigh(m, mul[1], &midLo);
  uint64_t mid = t0 + midLo;
  hi += mid < t0;
  /* (2 m2 + 1) * mul = 2 m2 * mul + mul */
  uint64_t lo2 = lo + mul[0];
  uint64_t mid2 = mid + mul[1] + (lo2 < lo);
  uint64_t hi2 = hi + (mid2 < mid);
  *vp = shiftRight128(mid2, hi2, j - 64 - 1);
  if (mmShift == 1) {
    /* (2 m2 - 1) * mul */
    uint64_t lo3 = lo - mul[0];
    uint64_t mid3 = mid - mul[1] - (lo3 > lo);
    uint64_t hi3 = hi - (mid3 > mid);
    *vm = shiftRight128(mid3, hi3, j - 64 - 1);
  } else {
    /* (4 m2 - 1) * mul */
    uint64_t lo3 = lo + lo;
    uint64_t mid3 = mid + mid + (lo3 < lo);
    uint64_t hi3 = hi + hi + (mid3 < mid);
    uint64_t lo4 = lo3 - mul[0];
    uint64_t mid4 = mid3 - mul[1] - (lo4 > lo3);
    uint64_t hi4 = hi3 - (mid4 > mid3);
    *vm = shiftRight128(mid4, hi4, j - 64);
  }
  return shiftRight128(mid, hi, j - 64 - 1);
}

/* x / 10 and x / 10^8 as multiplications (wasm has no 64-bit multiply-high, so an i64 division stays a division). */
static inline uint64_t div10(uint64_t x) {
  uint64_t lo;
  return mulHigh(x, 0xCCCCCCCCCCCCCCCDull, &lo) >> 3;
}
static inline uint64_t div100(uint64_t x) {
  uint64_t lo;
  return mulHigh(x >> 2, 0x28F5C28F5C28F5C3ull, &lo) >> 2;
}
static inline uint64_t div1e8(uint64_t x) {
  uint64_t lo;
  return mulHigh(x, 0xABCC77118461CEFDull, &lo) >> 26;
}

static const uint64_t POW10[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
    10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull, 1000000000000000ull,
    10000000000000000ull, 100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};

static inline uint32_t decimalLength(uint64_t v) {
  uint32_t n = 1;
  while (n < 20 && v >= POW10[n]) n++;
  return n;
}

/* The digits of v < 10^8 (exactly len of them) ending at end. */
static inline void digits32(unsigned char *end, uint32_t v, uint32_t len) {
  unsigned char *p = end;
  while (len >= 2) {
    uint32_t c = (v % 100) * 2;
    v /= 100;
    *--p = PAIRS[c + 1];
    *--p = PAIRS[c];
    len -= 2;
  }
  if (len == 1) *--p = (unsigned char)('0' + v);
}

/* The digits of v (exactly len of them) at out. */
static inline void digitsAt(unsigned char *out, uint64_t v, uint32_t len) {
  unsigned char *end = out + len;
  while (len > 8) {
    uint64_t q = div1e8(v);
    digits32(end, (uint32_t)(v - q * 100000000ull), 8);
    v = q;
    end -= 8;
    len -= 8;
  }
  digits32(end, (uint32_t)v, len);
}

/* Shortest digits of a positive finite double: *digits * 10^(*exp10). */
static void shortest(uint64_t bits, uint64_t *digits, int32_t *exp10) {
  uint64_t mantissa = bits & ((1ull << MANTISSA_BITS) - 1);
  uint32_t exponent = (uint32_t)(bits >> MANTISSA_BITS) & 0x7ff;
  int32_t e2;
  uint64_t m2;
  if (exponent == 0) {
    e2 = 1 - EXPONENT_BIAS - MANTISSA_BITS - 2;
    m2 = mantissa;
  } else {
    e2 = (int32_t)exponent - EXPONENT_BIAS - MANTISSA_BITS - 2;
    m2 = (1ull << MANTISSA_BITS) | mantissa;
  }
  int acceptBounds = (m2 & 1) == 0;
  uint64_t mv = 4 * m2;
  /* The lower neighbour is closer when the mantissa is a power of two (and not the smallest exponent). */
  uint32_t mmShift = mantissa != 0 || exponent <= 1;
  uint64_t vr, vp, vm;
  int32_t e10;
  int vmTrailingZeros = 0, vrTrailingZeros = 0;
  if (e2 >= 0) {
    uint32_t q = log10Pow2(e2) - (e2 > 3);
    e10 = (int32_t)q;
    int32_t j = -e2 + (int32_t)q + POW5_BITS + pow5bits((int32_t)q) - 1;
    vr = mulShiftAll(m2, POW5_INV[q], j, &vp, &vm, mmShift);
    if (q <= 21) {
      if (mv % 5 == 0) vrTrailingZeros = pow5Factor(mv) >= q;
      else if (acceptBounds) vmTrailingZeros = pow5Factor(mv - 1 - mmShift) >= q;
      else vp -= pow5Factor(mv + 2) >= q;
    }
  } else {
    uint32_t q = log10Pow5(-e2) - (-e2 > 1);
    e10 = (int32_t)q + e2;
    int32_t i = -e2 - (int32_t)q;
    int32_t j = (int32_t)q - (pow5bits(i) - POW5_BITS);
    vr = mulShiftAll(m2, POW5[i], j, &vp, &vm, mmShift);
    if (q <= 1) {
      vrTrailingZeros = 1;
      if (acceptBounds) vmTrailingZeros = mmShift == 1;
      else vp--;
    } else if (q < 63) {
      vrTrailingZeros = (mv & ((1ull << (q - 1)) - 1)) == 0;
    }
  }
  int32_t removed = 0;
  uint32_t lastRemoved = 0;
  uint64_t out;
  if (vmTrailingZeros || vrTrailingZeros) {
    for (uint64_t p10 = div10(vp), m10 = div10(vm); p10 > m10; p10 = div10(vp), m10 = div10(vm)) {
      uint64_t r10 = div10(vr);
      vmTrailingZeros &= vm - m10 * 10 == 0;
      vrTrailingZeros &= lastRemoved == 0;
      lastRemoved = (uint32_t)(vr - r10 * 10);
      vr = r10; vp = p10; vm = m10; removed++;
    }
    if (vmTrailingZeros) {
      for (uint64_t m10 = div10(vm); vm - m10 * 10 == 0; m10 = div10(vm)) {
        uint64_t r10 = div10(vr);
        vrTrailingZeros &= lastRemoved == 0;
        lastRemoved = (uint32_t)(vr - r10 * 10);
        vr = r10; vp = div10(vp); vm = m10; removed++;
      }
    }
    if (vrTrailingZeros && lastRemoved == 5 && vr % 2 == 0) lastRemoved = 4; /* a tie: to even */
    out = vr + ((vr == vm && (!acceptBounds || !vmTrailingZeros)) || lastRemoved >= 5);
  } else {
    int roundUp = 0;
    for (uint64_t p100 = div100(vp), m100 = div100(vm); p100 > m100; p100 = div100(vp), m100 = div100(vm)) {
      uint64_t r100 = div100(vr);
      roundUp = vr - r100 * 100 >= 50;
      vr = r100; vp = p100; vm = m100; removed += 2;
    }
    for (uint64_t p10 = div10(vp), m10 = div10(vm); p10 > m10; p10 = div10(vp), m10 = div10(vm)) {
      uint64_t r10 = div10(vr);
      roundUp = vr - r10 * 10 >= 5;
      vr = r10; vp = p10; vm = m10; removed++;
    }
    out = vr + (vr == vm || roundUp);
  }
  *digits = out;
  *exp10 = e10 + removed;
}

/* `digits` (len of them) times 10^(n - len), laid out as Number::toString lays it out (ECMA-262 6.1.6.1.20). */
static uint32_t layout(unsigned char *o, uint64_t digits, int32_t len, int32_t n) {
  if (len <= n && n <= 21) {
    digitsAt(o, digits, (uint32_t)len);
    for (int32_t i = len; i < n; i++) o[i] = '0';
    return (uint32_t)n;
  }
  if (0 < n && n <= 21) {
    digitsAt(o + 1, digits, (uint32_t)len);
    for (int32_t i = 0; i < n; i++) o[i] = o[i + 1];
    o[n] = '.';
    return (uint32_t)len + 1;
  }
  if (-6 < n && n <= 0) {
    o[0] = '0';
    o[1] = '.';
    for (int32_t i = 0; i < -n; i++) o[2 + i] = '0';
    digitsAt(o + 2 - n, digits, (uint32_t)len);
    return (uint32_t)(2 - n + len);
  }
  digitsAt(o + 1, digits, (uint32_t)len);
  uint32_t at;
  if (len > 1) {
    o[0] = o[1];
    o[1] = '.';
    at = (uint32_t)len + 1;
  } else {
    o[0] = o[1];
    at = 1;
  }
  int32_t e = n - 1;
  o[at++] = 'e';
  o[at++] = e < 0 ? '-' : '+';
  if (e < 0) e = -e;
  uint32_t el = e >= 100 ? 3 : e >= 10 ? 2 : 1;
  digitsAt(o + at, (uint64_t)e, el);
  return at + el;
}

/** Write x as JSON writes it at byte offset `at` of memory; returns the offset after it. */
__attribute__((export_name("number"))) uint32_t number(double x, uint32_t at) {
  unsigned char *o = (unsigned char *)(uintptr_t)at;
  union { double d; uint64_t u; } v = { x };
  uint64_t bits = v.u;
  if (((bits >> MANTISSA_BITS) & 0x7ff) == 0x7ff) {
    o[0] = 'n'; o[1] = 'u'; o[2] = 'l'; o[3] = 'l';
    return at + 4;
  }
  uint32_t sign = (uint32_t)(bits >> 63);
  bits &= ~(1ull << 63);
  if (bits == 0) {
    o[0] = '0';
    return at + 1;
  }
  if (sign) *o++ = '-';
  double ax = sign ? -x : x;
  /* Integers below 2^53: their digits (the shortest that reads back, since neighbours are at most 1 apart). */
  if (ax < 9007199254740992.0) {
    uint64_t i = (uint64_t)ax;
    if ((double)i == ax) {
      uint32_t len = decimalLength(i);
      digitsAt(o, i, len);
      return at + sign + len;
    }
  }
  uint64_t digits;
  int32_t exp10;
  shortest(bits, &digits, &exp10);
  int32_t len = (int32_t)decimalLength(digits);
  return at + sign + layout(o, digits, len, exp10 + len);
}

/** Copy `len` bytes from `from` to `at` (a key written before), then write x; returns the offset after them. */
__attribute__((export_name("field"))) uint32_t field(uint32_t from, uint32_t len, double x, uint32_t at) {
  unsigned char *o = (unsigned char *)(uintptr_t)at;
  const unsigned char *f = (const unsigned char *)(uintptr_t)from;
  for (uint32_t i = 0; i < len; i++) o[i] = f[i];
  return number(x, at + len);
}

/*
 * The text tables' number formats (src/adapters/cli/format.ts `fixed` = Number#toFixed and `grouped` =
 * toLocaleString("en-US") with d decimals), on their fast paths: the same double operations as format.ts, in the
 * same order (wasm's f64 arithmetic is IEEE 754's, with no fused multiply-add), then integer digits. Each returns
 * the offset after what it wrote, or -1 where format.ts leaves its fast path (the caller then uses the string).
 */
static const double SCALE[21] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20};

/** `fixed(v, d)` (0 <= d <= 20) at `at`: the offset after it, or -1 (an exact half after scaling, 1e15 and beyond, NaN). */
__attribute__((export_name("fixed"))) int32_t fixed(double v, uint32_t d, uint32_t at) {
  if (d > 20) return -1;
  double s = SCALE[d], x = __builtin_fabs(v) * s;
  if (!(x < 1e15)) return -1;
  double f = __builtin_floor(x), r = x - f;
  if (r == 0.5) return -1;
  double q = r > 0.5 ? f + 1 : f, whole = __builtin_floor(q / s);
  unsigned char *o = (unsigned char *)(uintptr_t)at;
  if (v < 0) *o++ = '-';
  uint64_t w = (uint64_t)whole;
  uint32_t len = decimalLength(w);
  digitsAt(o, w, len);
  o += len;
  if (d == 0) return (int32_t)(uintptr_t)o;
  *o++ = '.';
  digitsAt(o, (uint64_t)(q - whole * s), d);
  return (int32_t)(uintptr_t)(o + d);
}

/** `grouped(v, d)` (0 <= d <= 20) at `at`: the offset after it, or -1 (1e12 and beyond after scaling, within 1e-3 of a half, NaN). */
__attribute__((export_name("grouped"))) int32_t grouped(double v, uint32_t d, uint32_t at) {
  if (d > 20) return -1;
  double s = SCALE[d], x = __builtin_fabs(v) * s;
  if (!(x < 1e12)) return -1;
  double f = __builtin_floor(x), r = x - f;
  if (!(__builtin_fabs(r - 0.5) > 1e-3)) return -1;
  double q = r > 0.5 ? f + 1 : f, whole = __builtin_floor(q / s);
  unsigned char *o = (unsigned char *)(uintptr_t)at;
  if (v < 0 && q > 0) *o++ = '-';
  uint64_t w = (uint64_t)whole;
  uint32_t len = decimalLength(w);
  unsigned char *end = o + len + (len - 1) / 3;
  unsigned char *p = end;
  while (w >= 1000) {
    uint64_t hi = w / 1000;
    digitsAt(p - 3, w - hi * 1000, 3);
    p -= 3;
    *--p = ',';
    w = hi;
  }
  digitsAt(o, w, (uint32_t)(p - o));
  if (d == 0) return (int32_t)(uintptr_t)end;
  *end = '.';
  digitsAt(end + 1, (uint64_t)(q - whole * s), d);
  return (int32_t)(uintptr_t)(end + 1 + d);
}

/* Powers of ten exact as doubles (10^22 is the last). */
static const double EXACT10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* |v| × 10^(3 − e) in one rounding (the power exact: |3 − e| <= 22). */
static inline double scaled3(double a, int32_t e) {
  int32_t k = 3 - e;
  return k >= 0 ? a * EXACT10[k] : a / EXACT10[-k];
}

/**
 * `v.toExponential(3)` at `at` for 1e-16 <= |v| < 1e21: the offset after it, or -1 (outside that range, NaN, or
 * within 1e-9 of a half after scaling: the caller then uses the string). The decimal exponent e of |v| is found with
 * 1000 <= y < 10000 for y = fl(|v| × 10^(3 − e)), the power exact, so y is off the exact scaled value by at most
 * half an ulp (< 1e-12): away from a half both round to the same n, and a y at 1000 or 10000 that the rounding
 * moved across gives the same digits under either exponent (9999.99… and 1000.00… both write 1.000e of the higher
 * one). n = 10000 after rounding is 1.000 at the next exponent, as ECMAScript's Number.prototype.toExponential.
 */
__attribute__((export_name("exponent3"))) int32_t exponent3(double v, uint32_t at) {
  double a = __builtin_fabs(v);
  if (!(a >= 1e-16 && a < 1e21)) return -1;
  uint64_t bits;
  __builtin_memcpy(&bits, &a, 8);
  int32_t e2 = (int32_t)((bits >> 52) & 0x7ff) - 1023;
  /* floor(e2 × log10 2) <= e, then corrected upward by the scaled value (3 − e stays within -17…21). */
  int32_t e = e2 >= 0 ? (int32_t)log10Pow2(e2) : -(int32_t)log10Pow2(-e2) - 1;
  double y = scaled3(a, e);
  while (y >= 10000.0) { e++; y = scaled3(a, e); }
  while (y < 1000.0) { e--; y = scaled3(a, e); }
  double f = __builtin_floor(y), r = y - f;
  if (!(__builtin_fabs(r - 0.5) > 1e-9)) return -1;
  uint32_t n = (uint32_t)(r > 0.5 ? f + 1 : f);
  if (n == 10000) { n = 1000; e++; }
  unsigned char *o = (unsigned char *)(uintptr_t)at;
  if (v < 0) *o++ = '-';
  o[0] = (unsigned char)('0' + n / 1000);
  o[1] = '.';
  digitsAt(o + 2, n % 1000, 3);
  o[5] = 'e';
  o[6] = e < 0 ? '-' : '+';
  uint32_t x = (uint32_t)(e < 0 ? -e : e), len = x >= 10 ? 2 : 1;
  digitsAt(o + 7, x, len);
  return (int32_t)(uintptr_t)(o + 7 + len);
}

/*
 * A text table as src/adapters/cli/textTable.ts `tableInto` lays out strings: the header row, a rule of dashes, then
 * the rows; the first column left-aligned, the others right-aligned, two spaces apart; each row's trailing ASCII
 * blanks dropped (the rule is not trimmed); no line end after the last row. `cells` holds rows * n int32 triples
 * { byte offset, bytes, width in UTF-16 units }, row by row, and `head` the header's n triples. Writes at `at` when
 * the table fits below `limit` and returns the offset after it; otherwise returns -16 - (the bytes it needs at most).
 * -1 when a trimmed row ends in a non-ASCII byte (it may end in a non-ASCII blank, which the caller trims as a
 * string), -2 for more than 64 columns or a table of 2 GB or more.
 */
#define MAX_COLUMNS 64

static inline int blank(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13); }

/*
 * k (> 0 or not) bytes of `pattern` (one byte repeated), and n bytes copied from src, eight at a time: each writes up
 * to 7 bytes past its end (`table` keeps 8 bytes of room; a later write or the end of the table covers them), and
 * `copy` reads up to 7 past src + n (cells and headers lie below the table, in the module's memory). Written as
 * 8-byte moves rather than byte loops, which clang made into memory.fill / byte copies: a call into V8 per cell's
 * padding, ~9 % of `dpm margin`'s text run (2026-12-06).
 */
#define SPACES 0x2020202020202020ull
#define DASHES 0x2d2d2d2d2d2d2d2dull
static inline unsigned char *fill(unsigned char *o, uint64_t pattern, int32_t k) {
  for (int32_t j = 0; j < k; j += 8) __builtin_memcpy(o + j, &pattern, 8);
  return k > 0 ? o + k : o;
}
static inline unsigned char *copy(unsigned char *o, const unsigned char *src, int32_t n) {
  for (int32_t j = 0; j < n; j += 8) {
    uint64_t v;
    __builtin_memcpy(&v, src + j, 8);
    __builtin_memcpy(o + j, &v, 8);
  }
  return n > 0 ? o + n : o;
}

/* One row at o, its cells' triples at c; the end of the trimmed row, or 0 when it ends in a non-ASCII byte. */
__attribute__((no_builtin("memset", "memcpy")))
static unsigned char *row(unsigned char *o, const int32_t *c, uint32_t n, const int32_t *widths) {
  unsigned char *start = o;
  for (uint32_t i = 0; i < n; i++) {
    const unsigned char *src = (const unsigned char *)(uintptr_t)c[3 * i];
    int32_t bytes = c[3 * i + 1], width = c[3 * i + 2];
    if (i > 0) o = fill(o, SPACES, 2 + widths[i] - width);
    o = copy(o, src, bytes);
    if (i == 0) o = fill(o, SPACES, widths[0] - width);
  }
  while (o > start && blank(o[-1])) o--;
  return o > start && o[-1] > 127 ? 0 : o;
}

__attribute__((export_name("table"), no_builtin("memset", "memcpy"))) int32_t table(uint32_t cells, uint32_t n, uint32_t rows, uint32_t head, uint32_t at, uint32_t limit) {
  if (n > MAX_COLUMNS) return -2;
  const int32_t *c = (const int32_t *)(uintptr_t)cells;
  const int32_t *header = (const int32_t *)(uintptr_t)head;
  int32_t widths[MAX_COLUMNS];
  uint32_t extra = 0, line = 1;
  for (uint32_t i = 0; i < n; i++) {
    widths[i] = header[3 * i + 2];
    extra += (uint32_t)(header[3 * i + 1] - header[3 * i + 2]);
  }
  for (uint32_t j = 0; j < rows; j++)
    for (uint32_t i = 0; i < n; i++) {
      const int32_t *t = c + 3 * (j * n + i);
      if (t[2] > widths[i]) widths[i] = t[2];
      extra += (uint32_t)(t[1] - t[2]);
    }
  for (uint32_t i = 0; i < n; i++) line += 2 + (uint32_t)widths[i];
  /* A row is at most the columns' widths and two spaces each (a cell's bytes beyond its width counted in extra), and
     8 bytes of room for the last 8-byte move. */
  uint64_t need = (uint64_t)(rows + 2) * line + extra + 8;
  if ((uint64_t)at + need > limit) return need > 0x7fff0000u ? -2 : -16 - (int32_t)need;
  unsigned char *o = row((unsigned char *)(uintptr_t)at, header, n, widths);
  if (o == 0) return -1;
  *o++ = '\n';
  o = fill(o, DASHES, widths[0]);
  for (uint32_t i = 1; i < n; i++) {
    *o++ = ' ';
    *o++ = ' ';
    o = fill(o, DASHES, widths[i]);
  }
  for (uint32_t j = 0; j < rows; j++) {
    *o++ = '\n';
    o = row(o, c + 3 * n * j, n, widths);
    if (o == 0) return -1;
  }
  return (int32_t)(uintptr_t)o;
}
