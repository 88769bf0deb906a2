/*
 * bnn native kernels: im2col / col2im for NHWC convolutions and fused, single-pass optimizer
 * updates over Float32Arrays, loaded by train/backend/_native.ts through Deno.dlopen.
 *
 * Build (see train/backend/build_native.ts):
 *   gcc -O3 -march=x86-64-v3 -ffp-contract=off -fno-math-errno -shared -fPIC \
 *       -o .cache/native/libbnn_kernels.so train/backend/native/bnn_kernels.c
 *
 * Determinism: every function is single-threaded and uses only float32 arithmetic in a fixed
 * order; -ffp-contract=off keeps a*b+c from being fused, so the same inputs give the same bits
 * on every x86-64-v3 machine. log and tanh are the Cephes single-precision algorithms written
 * branch-free so that gcc vectorizes them (about 1-2 ulp from the correctly rounded value).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BNN_KERNELS_VERSION 9

int bnn_version(void) { return BNN_KERNELS_VERSION; }

/* ------------------------------------------------------------------ convolution helpers */

/*
 * cols[r, (kh*KW + kw)*C + c] = x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw, c] (0 outside),
 * for the rows r = (n - n0)*OH*OW + oh*OW + ow of images n0 .. n0+count-1.
 */
void bnn_im2col(const float *x, float *cols, int n0, int count, int H, int W, int C, int KH,
                int KW, int sh, int sw, int dh, int dw, int pt, int pl, int OH, int OW) {
  const size_t K = (size_t)KH * KW * C;
  for (int n = 0; n < count; n++) {
    const float *xn = x + (size_t)(n0 + n) * H * W * C;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        float *row = cols + ((size_t)n * OH * OW + (size_t)oh * OW + ow) * K;
        for (int kh = 0; kh < KH; kh++) {
          const int ih = oh * sh - pt + kh * dh;
          float *dst = row + (size_t)kh * KW * C;
          if (ih < 0 || ih >= H) {
            memset(dst, 0, sizeof(float) * KW * C);
            continue;
          }
          for (int kw = 0; kw < KW; kw++) {
            const int iw = ow * sw - pl + kw * dw;
            if (iw < 0 || iw >= W) {
              memset(dst + (size_t)kw * C, 0, sizeof(float) * C);
            } else {
              memcpy(dst + (size_t)kw * C, xn + ((size_t)ih * W + iw) * C, sizeof(float) * C);
            }
          }
        }
      }
    }
  }
}

/* The adjoint of bnn_im2col: dx[n, ih, iw, c] += cols[r, (kh*KW + kw)*C + c]. */
void bnn_col2im(const float *cols, float *dx, int n0, int count, int H, int W, int C, int KH,
                int KW, int sh, int sw, int dh, int dw, int pt, int pl, int OH, int OW) {
  const size_t K = (size_t)KH * KW * C;
  for (int n = 0; n < count; n++) {
    float *dxn = dx + (size_t)(n0 + n) * H * W * C;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const float *row = cols + ((size_t)n * OH * OW + (size_t)oh * OW + ow) * K;
        for (int kh = 0; kh < KH; kh++) {
          const int ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            const int iw = ow * sw - pl + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const float *src = row + ((size_t)kh * KW + kw) * C;
            float *dst = dxn + ((size_t)ih * W + iw) * C;
            for (int c = 0; c < C; c++) dst[c] += src[c];
          }
        }
      }
    }
  }
}

/* out[r, :] = bias[:] for r < rows (bias has n entries). */
void bnn_fill_rows(float *out, const float *bias, int rows, int n) {
  for (int r = 0; r < rows; r++) memcpy(out + (size_t)r * n, bias, sizeof(float) * n);
}

/* -------------------------------------------------------------- vectorizable log, tanh */

static inline float as_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline uint32_t as_uint(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* Cephes logf for x > 0 (x = 0 gives -inf, x = inf gives inf, x < 0 or NaN gives NaN). */
static inline float bnn_logf(float x) {
  const uint32_t ux = as_uint(x);
  int e = (int)((ux >> 23) & 0xff) - 126;
  float m = as_float((ux & 0x007fffffu) | 0x3f000000u); /* in [0.5, 1) */
  const int lo = m < 0.707106781186547524f;
  e -= lo;
  m = lo ? (m + m) - 1.0f : m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  const float fe = (float)e;
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  float r = m + y;
  r += 0.693359375f * fe;
  r = x == 0.0f ? -INFINITY : r;
  r = x == INFINITY ? INFINITY : r;
  r = ((x < 0.0f) | (x != x)) ? NAN : r;
  return r;
}

/* Cephes expf for x in [-88, 88]. */
static inline float bnn_expf(float x) {
  x = x > 88.0f ? 88.0f : x;
  x = x < -88.0f ? -88.0f : x;
  const float n = floorf(1.44269504088896341f * x + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float z = r * r;
  float y = 1.9875691500E-4f;
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * z + r + 1.0f;
  return y * as_float((uint32_t)((int)n + 127) << 23);
}

/* Cephes tanhf: odd polynomial below 0.625, 1 - 2/(exp(2|x|) + 1) above, +-1 beyond 9. */
static inline float bnn_tanhf(float x) {
  const float a = fabsf(x);
  const float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (bnn_expf(a + a) + 1.0f);
  float r = a < 0.625f ? small : copysignf(big, x);
  r = a > 9.0f ? copysignf(1.0f, x) : r;
  r = x != x ? x : r;
  return r;
}

void bnn_log(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = bnn_logf(x[i]);
}

void bnn_tanh(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = bnn_tanhf(x[i]);
}

/* ------------------------------------------------------------------ seeded uniform numbers */

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/*
 * xoshiro128** exactly as train/random.ts Rng.nextUint32, mapped to (0, 1) as Rng.uniform:
 * ((u >> 9) + 0.5) / 2^23, exact in float32 (24 significant bits), as Rng.uniform().
 * state (4 words) is advanced in place.
 */
void bnn_fill_uniform(uint32_t *state, float *out, int64_t n) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (int64_t i = 0; i < n; i++) {
    const uint32_t result = rotl32(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl32(s3, 11);
    out[i] = (float)(((double)(result >> 9) + 0.5) / 8388608.0);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

/* -------------------------------------------------------------------- BayesBiNN, Adam */

/* w = tanh((lambda + log(u / (1 - u)) / 2) / tau). */
void bnn_bayesbinn_sample(const float *lambda, const float *u, float tau, float *w, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float e = u[i];
    const float delta = bnn_logf(e / (1.0f - e)) / 2.0f;
    w[i] = bnn_tanhf((delta + lambda[i]) / tau);
  }
}

/*
 * Element-wise work split over two threads (this thread and one more) for large arrays. The
 * split does not change any result: every element is computed the same way.
 */
typedef struct {
  void (*fn)(void *args, int64_t begin, int64_t end);
  void *args;
  int64_t begin, end;
} range_job;

static void *run_range(void *p) {
  range_job *j = p;
  j->fn(j->args, j->begin, j->end);
  return NULL;
}

static void parallel2(void (*fn)(void *, int64_t, int64_t), void *args, int64_t n) {
  pthread_t th;
  const int64_t half = (n / 2) & ~(int64_t)63;
  range_job second = {fn, args, half, n};
  if (n < (1 << 18) || pthread_create(&th, NULL, run_range, &second) != 0) {
    fn(args, 0, n);
    return;
  }
  fn(args, 0, half);
  pthread_join(th, NULL);
}

typedef struct {
  const float *lambda;
  float *w;
  float tau;
} sample_args;

static void sample_range(void *p, int64_t begin, int64_t end) {
  const sample_args *a = p;
  bnn_bayesbinn_sample(a->lambda + begin, a->w + begin, a->tau, a->w + begin, end - begin);
}

/*
 * bnn_bayesbinn_sample with the uniform numbers drawn from state (the stream of
 * bnn_fill_uniform): they are written into w first (serial), then turned into samples in place
 * (two threads).
 */
void bnn_bayesbinn_sample_rng(const float *lambda, uint32_t *state, float tau, float *w,
                              int64_t n) {
  bnn_fill_uniform(state, w, n);
  sample_args a = {lambda, w, tau};
  parallel2(sample_range, &a, n);
}

/* ghat += (1 - w*w + 1e-10) / tau / (1 - mu*mu + 1e-10) * g. */
void bnn_bayesbinn_accumulate(float *ghat, const float *g, const float *w, const float *mu,
                              float tau, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float wi = w[i], mi = mu[i];
    const float scale = (1.0f - wi * wi + 1e-10f) / tau / (1.0f - mi * mi + 1e-10f);
    ghat[i] += scale * g[i];
  }
}

/*
 * g = ghat * gscale; m = beta*m + (1 - beta)*(g + kappa*(lambda - lambda0));
 * mu = tanh(lambda) (the pre-update lambda: the original's lagged mu);
 * lambda = lambda - lr*m / bc. lambda0 may be NULL (prior 0).
 */
static inline void bayesbinn_update_range(float *lambda, float *m, float *mu, const float *ghat,
                                          const float *lambda0, float gscale, float beta,
                                          float one_minus_beta, float kappa, float lr, float bc,
                                          int64_t n, int has_prior) {
  for (int64_t i = 0; i < n; i++) {
    const float l = lambda[i];
    const float g = ghat[i] * gscale;
    const float prior = has_prior ? lambda0[i] : 0.0f;
    const float mm = beta * m[i] + one_minus_beta * (g + kappa * (l - prior));
    m[i] = mm;
    mu[i] = bnn_tanhf(l);
    lambda[i] = l - lr * mm / bc;
  }
}

typedef struct {
  float *lambda, *m, *mu;
  const float *ghat, *lambda0;
  float gscale, beta, one_minus_beta, kappa, lr, bc;
} update_args;

static void update_range(void *p, int64_t b, int64_t e) {
  const update_args *a = p;
  if (a->lambda0) {
    bayesbinn_update_range(a->lambda + b, a->m + b, a->mu + b, a->ghat + b, a->lambda0 + b,
                           a->gscale, a->beta, a->one_minus_beta, a->kappa, a->lr, a->bc, e - b, 1);
  } else {
    bayesbinn_update_range(a->lambda + b, a->m + b, a->mu + b, a->ghat + b, NULL, a->gscale,
                           a->beta, a->one_minus_beta, a->kappa, a->lr, a->bc, e - b, 0);
  }
}

void bnn_bayesbinn_update(float *lambda, float *m, float *mu, const float *ghat,
                          const float *lambda0, float gscale, float beta, float one_minus_beta,
                          float kappa, float lr, float bc, int64_t n) {
  update_args a = {lambda, m, mu, ghat, lambda0, gscale, beta, one_minus_beta, kappa, lr, bc};
  parallel2(update_range, &a, n);
}

/*
 * PyTorch Adam on w with optional clamps (clip <= 0 means none):
 * g = clamp(g, +-grad_clip); m = fma(g, 1-beta1, beta1*m); v = fma((1-beta2)*g, g, beta2*v);
 * w = w - (step_size * m) / (sqrt(v) / bc2_sqrt + eps); w = clamp(w, +-weight_clip).
 */
void bnn_adam_update(float *w, float *m, float *v, const float *grad, float beta1,
                     float one_minus_beta1, float beta2, float one_minus_beta2, float eps,
                     float step_size, float bc2_sqrt, float grad_clip, float weight_clip,
                     int64_t n) {
  const int gc = grad_clip > 0.0f, wc = weight_clip > 0.0f;
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    if (gc) g = g > grad_clip ? grad_clip : (g < -grad_clip ? -grad_clip : g);
    /* PyTorch's CPU kernels: m.mul_(b1).add_(g, alpha) and v.mul_(b2).addcmul_(g, g, value)
       are vectorized with a fused multiply-add; param.addcdiv_(m, denom, value=-step_size) is
       param + (-step_size * m) / denom. */
    const float mm = fmaf(g, one_minus_beta1, m[i] * beta1);
    const float vv = fmaf(one_minus_beta2 * g, g, v[i] * beta2);
    m[i] = mm;
    v[i] = vv;
    const float denom = sqrtf(vv) / bc2_sqrt + eps;
    float ww = w[i] - (step_size * mm) / denom;
    if (wc) ww = ww > weight_clip ? weight_clip : (ww < -weight_clip ? -weight_clip : ww);
    w[i] = ww;
  }
}

/* out = +1 where x >= 0, else -1 (STE's binarization; NaN gives -1). */
void bnn_sign(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] >= 0.0f ? 1.0f : -1.0f;
}

/* ------------------------------------------------------------------- reductions, pooling */

/*
 * out[c] = scale * sum_r x[r, c] for a [rows, cols] matrix (a sum over every axis but the last:
 * BN statistics and their gradients). Rows are added in blocks of 256 into a partial sum, then
 * the partial sums are added, which keeps float32 rounding errors small.
 */
void bnn_col_sum(const float *x, float *out, int64_t rows, int64_t cols, float scale,
                 float *partial) {
  for (int64_t c = 0; c < cols; c++) out[c] = 0.0f;
  for (int64_t r0 = 0; r0 < rows; r0 += 256) {
    const int64_t r1 = r0 + 256 < rows ? r0 + 256 : rows;
    for (int64_t c = 0; c < cols; c++) partial[c] = 0.0f;
    for (int64_t r = r0; r < r1; r++) {
      const float *row = x + r * cols;
      for (int64_t c = 0; c < cols; c++) partial[c] += row[c];
    }
    for (int64_t c = 0; c < cols; c++) out[c] += partial[c];
  }
  if (scale != 1.0f)
    for (int64_t c = 0; c < cols; c++) out[c] *= scale;
}

/*
 * The gradient of an NHWC max pool: each dy[n, oh, ow, c] goes to the first maximum (in
 * kh, kw order, strict >) of its window in x, as tfjs's cpu kernel does. dx is zeroed here.
 */
void bnn_max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W, int C,
                       int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW) {
  memset(dx, 0, sizeof(float) * (size_t)N * H * W * C);
  float *best = malloc(sizeof(float) * (size_t)C);
  int32_t *at = malloc(sizeof(int32_t) * (size_t)C);
  if (!best || !at) {
    free(best);
    free(at);
    return;
  }
  for (int n = 0; n < N; n++) {
    const float *xn = x + (size_t)n * H * W * C;
    float *dxn = dx + (size_t)n * H * W * C;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const float *g = dy + (((size_t)n * OH + oh) * OW + ow) * C;
        int first = 1;
        for (int kh = 0; kh < KH; kh++) {
          const int ih = oh * sh - pt + kh;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            const int iw = ow * sw - pl + kw;
            if (iw < 0 || iw >= W) continue;
            const int32_t base = (ih * W + iw) * C;
            const float *xp = xn + base;
            if (first) {
              for (int c = 0; c < C; c++) {
                best[c] = xp[c];
                at[c] = base + c;
              }
              first = 0;
            } else {
              for (int c = 0; c < C; c++) {
                const int more = xp[c] > best[c];
                best[c] = more ? xp[c] : best[c];
                at[c] = more ? base + c : at[c];
              }
            }
          }
        }
        if (!first)
          for (int c = 0; c < C; c++) dxn[at[c]] += g[c];
      }
    }
  }
  free(best);
  free(at);
}

/* ------------------------------------------------------------------ element-wise unary ops */

/* exp with overflow to +inf above log(FLT_MAX) (underflows to 0 a little early, below -87.3). */
static inline float bnn_expf_full(float x) {
  float r = bnn_expf(x);
  r = x > 88.72283935546875f ? INFINITY : r;
  r = x != x ? x : r;
  return r;
}

enum { OP_TANH = 0, OP_LOG = 1, OP_EXP = 2, OP_SQRT = 3, OP_SIGMOID = 4, OP_RSQRT = 5 };

typedef struct {
  int op;
  const float *x;
  float *out;
} unary_args;

static void unary_range(void *p, int64_t b, int64_t e) {
  const unary_args *a = p;
  const float *x = a->x + b;
  float *o = a->out + b;
  const int64_t n = e - b;
  switch (a->op) {
  case OP_TANH:
    for (int64_t i = 0; i < n; i++) o[i] = bnn_tanhf(x[i]);
    break;
  case OP_LOG:
    for (int64_t i = 0; i < n; i++) o[i] = bnn_logf(x[i]);
    break;
  case OP_EXP:
    for (int64_t i = 0; i < n; i++) o[i] = bnn_expf_full(x[i]);
    break;
  case OP_SQRT:
    for (int64_t i = 0; i < n; i++) o[i] = sqrtf(x[i]);
    break;
  case OP_SIGMOID:
    for (int64_t i = 0; i < n; i++) o[i] = 1.0f / (1.0f + bnn_expf_full(-x[i]));
    break;
  case OP_RSQRT:
    for (int64_t i = 0; i < n; i++) o[i] = 1.0f / sqrtf(x[i]);
    break;
  }
}

/* out = op(x) element-wise (op: 0 tanh, 1 log, 2 exp, 3 sqrt, 4 sigmoid, 5 rsqrt); two threads. */
void bnn_unary(int op, const float *x, float *out, int64_t n) {
  unary_args a = {op, x, out};
  parallel2(unary_range, &a, n);
}
