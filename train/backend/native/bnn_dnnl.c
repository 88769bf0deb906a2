/*
 * bnn oneDNN shim: NHWC 2-D convolutions (forward, input gradient, filter gradient) through the
 * oneDNN 2.6 C API (Debian libdnnl2), loaded by train/backend/_dnnl.ts through Deno.dlopen.
 *
 * Build (see train/backend/build_native.ts; needs libdnnl-dev):
 *   gcc -O2 -shared -fPIC -o .cache/native/libbnn_dnnl.so train/backend/native/bnn_dnnl.c -ldnnl
 *
 * Why a shim: the C API passes memory and operation descriptors as large structs by pointer
 * and execution arguments as arrays of {int, handle} pairs; here each convolution is one plan
 * (created once per shape) and one call per execution, with plain integers and pointers over
 * FFI.
 *
 * A plan holds the convolution primitive, its memory objects and, for each of its three
 * arguments that oneDNN wants in another layout than tfjs's (NHWC activations, HWIO filters), a
 * reorder into (inputs) or out of (the output) that layout. Direct convolutions take NHWC
 * activations as they are, so oneDNN reads and writes the tfjs tensors on the wasm heap in place
 * (their addresses are set on the memory objects for each call) and only the filter is
 * reordered; Winograd convolutions (3x3, stride 1, channels a multiple of 16) need blocked
 * activations (nChw16c) too. A plan's reordered arguments and its scratchpad (user mode) live in
 * one process-wide buffer, grown to a plan's size when that plan first runs, so nothing is
 * allocated on the hot path once every shape has been seen, and the buffer is no larger than the
 * largest plan that ran. Which plan a convolution gets (algorithm, images per chunk, within a
 * memory bound) is the caller's choice: train/backend/kernels/_dnnl_plans.ts.
 *
 * Determinism: oneDNN's CPU convolutions partition work statically over the OpenMP threads and
 * reduce the filter gradient's per-thread partial sums in a fixed order, so the same shapes, CPU
 * ISA, algorithm and thread count give the same bits (see train/backend/README.md).
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BNN_DNNL_VERSION 5

int bnn_dnnl_version(void) { return BNN_DNNL_VERSION; }

enum { CONV_FORWARD = 0, CONV_BACKWARD_DATA = 1, CONV_BACKWARD_WEIGHTS = 2 };
enum { ALGO_DIRECT = 0, ALGO_WINOGRAD = 1 };

/* One argument of a plan: the tfjs tensor's memory and, when oneDNN wants another layout, the
 * reorder to (input) or from (output) oneDNN's memory at `offset` in the process-wide arena
 * (the scratchpad follows the arguments there). A filter gradient's output also gets
 * `accumulate`, the reorder that adds it to the tensor (a sum post-op), for batches computed in
 * chunks. */
typedef struct {
  dnnl_memory_t user, inner; /* inner: NULL when oneDNN takes the user layout */
  dnnl_primitive_t reorder, accumulate;
  size_t offset;
} plan_arg;

typedef struct {
  int kind;
  dnnl_primitive_t conv;
  plan_arg arg[3]; /* fwd: x, w, y; data: dy, w, dx; weights: x, dy, dw. arg[2] is the output */
  int arg_ids[3];
  dnnl_memory_t scratch;
  size_t scratch_bytes, arena_bytes; /* arena_bytes: the arguments, then the scratchpad */
  char impl[64];
} bnn_conv_plan;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static void *arena_buf;
static size_t arena_cap;

/* Lazily creates the CPU engine and stream; returns 0 on success. */
static int ensure_engine(void) {
  if (engine) return 0;
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return -1;
  if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) return -1;
  return 0;
}

/* Grows the 64-byte-aligned process-wide arena to at least `bytes` (freeing the old one first:
 * its contents are not needed between runs, and the two together would raise the peak); 0 on
 * success. */
static int grow(size_t bytes) {
  if (bytes <= arena_cap) return 0;
  free(arena_buf);
  if (posix_memalign(&arena_buf, 64, bytes) == 0) {
    arena_cap = bytes;
    return 0;
  }
  /* Out of memory: take back the old size, which the existing plans need. */
  if (posix_memalign(&arena_buf, 64, arena_cap ? arena_cap : 64) != 0) arena_buf = NULL;
  return -1;
}

static void destroy_plan(bnn_conv_plan *p) {
  if (!p) return;
  if (p->conv) dnnl_primitive_destroy(p->conv);
  for (int i = 0; i < 3; i++) {
    if (p->arg[i].reorder) dnnl_primitive_destroy(p->arg[i].reorder);
    if (p->arg[i].accumulate) dnnl_primitive_destroy(p->arg[i].accumulate);
    if (p->arg[i].user) dnnl_memory_destroy(p->arg[i].user);
    if (p->arg[i].inner) dnnl_memory_destroy(p->arg[i].inner);
  }
  if (p->scratch) dnnl_memory_destroy(p->scratch);
  free(p);
}

void bnn_dnnl_conv_destroy(bnn_conv_plan *p) { destroy_plan(p); }

static int md_init(dnnl_memory_desc_t *md, int n0, int n1, int n2, int n3,
                   dnnl_format_tag_t tag) {
  dnnl_dims_t dims = {n0, n1, n2, n3};
  return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag) == dnnl_success ? 0 : -1;
}

static int make_memory(dnnl_memory_t *m, const dnnl_memory_desc_t *md) {
  return dnnl_memory_create(m, md, engine, DNNL_MEMORY_NONE) == dnnl_success ? 0 : -1;
}

/* A reorder from `from` to `to`, adding to the destination when `sum` is set; NULL on failure. */
static dnnl_primitive_t make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                     int sum) {
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t ops = NULL;
  if (sum && (dnnl_primitive_attr_create(&attr) != dnnl_success ||
              dnnl_post_ops_create(&ops) != dnnl_success ||
              dnnl_post_ops_append_sum(ops, 1.0f) != dnnl_success ||
              dnnl_primitive_attr_set_post_ops(attr, ops) != dnnl_success)) {
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return NULL;
  }
  dnnl_primitive_desc_t rpd = NULL;
  dnnl_primitive_t r = NULL;
  if (dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, attr) == dnnl_success) {
    if (dnnl_primitive_create(&r, rpd) != dnnl_success) r = NULL;
    dnnl_primitive_desc_destroy(rpd);
  }
  if (ops) dnnl_post_ops_destroy(ops);
  if (attr) dnnl_primitive_attr_destroy(attr);
  return r;
}

/* Sets up argument `i`: tfjs layout `user`, oneDNN's layout `want`; an output is reordered
 * from oneDNN's layout (and a filter gradient's may be added), an input to it. 0 on success. */
static int make_arg(bnn_conv_plan *p, int i, const dnnl_memory_desc_t *user,
                    const dnnl_memory_desc_t *want) {
  plan_arg *a = &p->arg[i];
  if (make_memory(&a->user, user)) return -1;
  if (dnnl_memory_desc_equal(user, want)) return 0;
  const int output = i == 2;
  a->reorder = output ? make_reorder(want, user, 0) : make_reorder(user, want, 0);
  if (!a->reorder || make_memory(&a->inner, want)) return -1;
  if (output && p->kind == CONV_BACKWARD_WEIGHTS && !(a->accumulate = make_reorder(want, user, 1)))
    return -1;
  a->offset = p->arena_bytes;
  p->arena_bytes += (dnnl_memory_desc_get_size(want) + 63) / 64 * 64;
  return 0;
}

/* The primitive descriptor of a convolution with the given layouts, or NULL. */
static dnnl_primitive_desc_t conv_pd(int kind, dnnl_alg_kind_t alg, const dnnl_memory_desc_t *x,
                                     const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *y,
                                     const dnnl_dims_t strides, const dnnl_dims_t dil,
                                     const dnnl_dims_t pad_l, const dnnl_dims_t pad_r) {
  dnnl_primitive_attr_t attr;
  dnnl_primitive_attr_create(&attr);
  dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
  dnnl_convolution_desc_t fwd_d, bwd_d;
  dnnl_primitive_desc_t fwd_pd = NULL, pd = NULL;
  int ok = dnnl_dilated_convolution_forward_desc_init(&fwd_d, dnnl_forward_training, alg, x, w,
                                                      NULL, y, strides, dil, pad_l,
                                                      pad_r) == dnnl_success &&
           dnnl_primitive_desc_create(&fwd_pd, &fwd_d, attr, engine, NULL) == dnnl_success;
  if (ok && kind == CONV_FORWARD) {
    pd = fwd_pd;
    fwd_pd = NULL;
  } else if (ok && kind == CONV_BACKWARD_DATA) {
    if (dnnl_dilated_convolution_backward_data_desc_init(&bwd_d, alg, x, w, y, strides, dil,
                                                         pad_l, pad_r) == dnnl_success)
      dnnl_primitive_desc_create(&pd, &bwd_d, attr, engine, fwd_pd);
  } else if (ok && kind == CONV_BACKWARD_WEIGHTS) {
    if (dnnl_dilated_convolution_backward_weights_desc_init(&bwd_d, alg, x, w, NULL, y, strides,
                                                            dil, pad_l, pad_r) == dnnl_success)
      dnnl_primitive_desc_create(&pd, &bwd_d, attr, engine, fwd_pd);
  }
  dnnl_primitive_attr_destroy(attr);
  if (fwd_pd) dnnl_primitive_desc_destroy(fwd_pd);
  return pd;
}

/* The memory descriptor oneDNN chose for one execution argument of `pd`. */
static const dnnl_memory_desc_t *arg_md(dnnl_primitive_desc_t pd, int arg) {
  return dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
}

/*
 * Creates the plan of one NHWC convolution: x [N,H,W,C], filter HWIO [KH,KW,C,CO], y
 * [N,OH,OW,CO]; strides sh, sw; dilations dh, dw (1 = none); paddings top/left/bottom/right.
 * `algo` ALGO_WINOGRAD: oneDNN's Winograd kernel (blocked activations; only for channel counts
 * that are multiples of 16, as padding the rest costs more than it saves), ALGO_DIRECT: its
 * direct kernels. Returns NULL when oneDNN rejects the configuration (the caller then tries
 * another). Creating a plan allocates no buffer: the shared one grows when a plan first runs,
 * so the caller can weigh a plan's bytes (bnn_dnnl_conv_bytes) before choosing it.
 */
static bnn_conv_plan *make_plan(int kind, dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *x,
                                const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *y);

bnn_conv_plan *bnn_dnnl_conv_create(int kind, int algo, int N, int H, int W, int C, int KH,
                                    int KW, int CO, int OH, int OW, int sh, int sw, int dh, int dw,
                                    int pt, int pl, int pb, int pr) {
  if (ensure_engine() != 0 || kind < 0 || kind > 2) return NULL;
  if (algo == ALGO_WINOGRAD && (C % 16 != 0 || CO % 16 != 0)) return NULL;
  /* oneDNN dims are logical NCHW / OIHW; the tag gives the physical order. */
  const dnnl_format_tag_t act = algo == ALGO_WINOGRAD ? dnnl_format_tag_any : dnnl_nhwc;
  dnnl_memory_desc_t x_nhwc, y_nhwc, x_want, y_want, w_hwio, w_any;
  if (md_init(&x_nhwc, N, C, H, W, dnnl_nhwc) || md_init(&y_nhwc, N, CO, OH, OW, dnnl_nhwc) ||
      md_init(&x_want, N, C, H, W, act) || md_init(&y_want, N, CO, OH, OW, act) ||
      md_init(&w_hwio, CO, C, KH, KW, dnnl_hwio) ||
      md_init(&w_any, CO, C, KH, KW, dnnl_format_tag_any))
    return NULL;
  dnnl_dims_t strides = {sh, sw}, dil = {dh - 1, dw - 1}, pad_l = {pt, pl}, pad_r = {pb, pr};
  const dnnl_alg_kind_t alg =
      algo == ALGO_WINOGRAD ? dnnl_convolution_winograd : dnnl_convolution_direct;
  dnnl_primitive_desc_t pd =
      conv_pd(kind, alg, &x_want, &w_any, &y_want, strides, dil, pad_l, pad_r);
  return pd ? make_plan(kind, pd, &x_nhwc, &w_hwio, &y_nhwc) : NULL;
}

/* The plan of a primitive descriptor (which it destroys), or NULL. */
static bnn_conv_plan *make_plan(int kind, dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *x,
                                const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *y) {
  bnn_conv_plan *p = calloc(1, sizeof *p);
  if (!p) {
    dnnl_primitive_desc_destroy(pd);
    return NULL;
  }
  p->kind = kind;
  static const int ids[3][3] = {
      {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
      {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
      {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
  };
  const dnnl_memory_desc_t *users[3][3] = {{x, w, y}, {y, w, x}, {x, y, w}};
  const char *impl = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  strncpy(p->impl, impl ? impl : "?", sizeof p->impl - 1);
  const dnnl_memory_desc_t *s_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  p->scratch_bytes = dnnl_memory_desc_get_size(s_md);
  int ok = dnnl_primitive_create(&p->conv, pd) == dnnl_success && make_memory(&p->scratch, s_md) == 0;
  for (int i = 0; ok && i < 3; i++) {
    p->arg_ids[i] = ids[kind][i];
    ok = make_arg(p, i, users[kind][i], arg_md(pd, ids[kind][i])) == 0;
  }
  dnnl_primitive_desc_destroy(pd);
  if (!ok) {
    destroy_plan(p);
    return NULL;
  }
  return p;
}

/* The name of the oneDNN implementation a plan runs (e.g. "brgconv:avx512_core"). */
const char *bnn_dnnl_conv_impl(const bnn_conv_plan *p) { return p->impl; }

/* The bytes of the shared buffer a plan uses: its reordered arguments and its scratchpad. */
double bnn_dnnl_conv_bytes(const bnn_conv_plan *p) {
  return (double)(p->arena_bytes + p->scratch_bytes);
}

/* Whether a plan can add its result to the output (bnn_dnnl_conv_run's `accumulate`). */
int bnn_dnnl_conv_accumulates(const bnn_conv_plan *p) { return p->arg[2].accumulate != NULL; }


static int reorder(plan_arg *a, int output, dnnl_primitive_t r) {
  dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, output ? a->inner : a->user},
                            {DNNL_ARG_TO, output ? a->user : a->inner}};
  return dnnl_primitive_execute(r, stream, 2, args) == dnnl_success ? 0 : -1;
}

/*
 * Runs a plan. fwd: a = x, b = filter (HWIO), out = y. data: a = dy, b = filter, out = dx.
 * weights: a = x, b = dy, out = dfilter (HWIO). `accumulate` (filter gradients with a reordered
 * output only): add the result to `out` instead of overwriting it. Returns 0 on success.
 */
int bnn_dnnl_conv_run(bnn_conv_plan *p, void *a, void *b, void *out, int accumulate) {
  if ((accumulate && !p->arg[2].accumulate) || grow(p->arena_bytes + p->scratch_bytes)) return -1;
  void *user[3] = {a, b, out};
  dnnl_exec_arg_t args[4];
  for (int i = 0; i < 3; i++) {
    plan_arg *x = &p->arg[i];
    dnnl_memory_set_data_handle(x->user, user[i]);
    if (x->inner) dnnl_memory_set_data_handle(x->inner, (char *)arena_buf + x->offset);
    if (x->inner && i < 2 && reorder(x, 0, x->reorder)) return -1;
    args[i] = (dnnl_exec_arg_t){p->arg_ids[i], x->inner ? x->inner : x->user};
  }
  dnnl_memory_set_data_handle(p->scratch, (char *)arena_buf + p->arena_bytes);
  args[3] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, p->scratch};
  if (dnnl_primitive_execute(p->conv, stream, 4, args) != dnnl_success) return -1;
  plan_arg *o = &p->arg[2];
  if (o->inner && reorder(o, 1, accumulate ? o->accumulate : o->reorder)) return -1;
  return dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
}

/* The ISA oneDNN dispatches to (dnnl_cpu_isa_t bits) and its version, e.g. 20603. */
int bnn_dnnl_isa(void) { return (int)dnnl_get_effective_cpu_isa(); }
int bnn_dnnl_library_version(void) {
  const dnnl_version_t *v = dnnl_version();
  return v->major * 10000 + v->minor * 100 + v->patch;
}
