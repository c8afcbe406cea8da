/*
 * The worker thread of the fake libtritonserver.so. Like Triton, completions are delivered on
 * a thread of the library's own: the response callback and the request-release callback run
 * here, never on the caller's thread. Each execution is timed into the statistics (queue,
 * compute input / infer / output, success) before its response is delivered, so a client that
 * reads statistics after its last response sees every request it sent.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_request.h"

static void simulate_compute(uint64_t us) {
  if (us == 0) return;
  struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
  nanosleep(&ts, NULL);
}

/* Gathers an input's buffers into one array of `count` int32 values. */
static void gather(const FakeInput *in, int32_t *dst) {
  char *p = (char *)dst;
  for (int i = 0; i < in->n_chunks; i++) {
    memcpy(p, in->chunk[i], in->chunk_size[i]);
    p += in->chunk_size[i];
  }
}

static bool wanted(const TRITONSERVER_InferenceRequest *r, const char *name) {
  if (r->n_outputs == 0) return true;
  for (int i = 0; i < r->n_outputs; i++) {
    if (strcmp(r->outputs[i], name) == 0) return true;
  }
  return false;
}

/* Asks the caller's allocator for an output buffer and fills it; false on allocator error. */
static bool emit(TRITONSERVER_InferenceRequest *r, TRITONSERVER_InferenceResponse *resp,
                 const char *name, const int32_t *values, size_t n) {
  FakeOutput *o = &resp->outputs[resp->n_outputs];
  memset(o, 0, sizeof *o);
  o->name = name;
  o->shape[0] = r->batch;
  o->shape[1] = SIMPLE_ELEMENTS;
  o->byte_size = n * 4;
  TRITONSERVER_Error *e = r->allocator->alloc(r->allocator, name, o->byte_size, MEMORY_CPU, 0,
                                              r->alloc_userp, &o->base, &o->buffer_userp,
                                              &o->memory_type, &o->memory_type_id);
  if (e) {
    resp->error = e;
    return false;
  }
  if (o->base) memcpy(o->base, values, o->byte_size);
  resp->n_outputs++;
  return true;
}

static void execute(TRITONSERVER_Server *s, TRITONSERVER_InferenceRequest *r) {
  FakeStats d = {0};
  uint64_t t0 = fake_now_ns();
  size_t n = (size_t)r->batch * SIMPLE_ELEMENTS;
  int32_t a[SIMPLE_MAX_BATCH * SIMPLE_ELEMENTS], b[SIMPLE_MAX_BATCH * SIMPLE_ELEMENTS];
  int32_t sum[SIMPLE_MAX_BATCH * SIMPLE_ELEMENTS], diff[SIMPLE_MAX_BATCH * SIMPLE_ELEMENTS];
  bool first0 = strcmp(r->inputs[0].name, "INPUT0") == 0;
  gather(&r->inputs[first0 ? 0 : 1], a);
  gather(&r->inputs[first0 ? 1 : 0], b);
  uint64_t t1 = fake_now_ns();
  simulate_compute(s->compute_us);
  for (size_t i = 0; i < n; i++) {
    /* Unsigned arithmetic gives int32 wraparound without undefined behaviour. */
    sum[i] = (int32_t)((uint32_t)a[i] + (uint32_t)b[i]);
    diff[i] = (int32_t)((uint32_t)a[i] - (uint32_t)b[i]);
  }
  uint64_t t2 = fake_now_ns();
  TRITONSERVER_InferenceResponse *resp = calloc(1, sizeof *resp);
  resp->allocator = r->allocator;
  memcpy(resp->id, r->id, sizeof resp->id);
  bool ok = (!wanted(r, "OUTPUT0") || emit(r, resp, "OUTPUT0", sum, n)) &&
            (!wanted(r, "OUTPUT1") || emit(r, resp, "OUTPUT1", diff, n));
  uint64_t t3 = fake_now_ns();
  d.execution_count = 1;
  d.queue_count = d.input_count = d.infer_count = d.output_count = 1;
  d.queue_ns = t0 - r->enqueue_ns;
  d.input_ns = t1 - t0;
  d.infer_ns = t2 - t1;
  d.output_ns = t3 - t2;
  if (ok) {
    d.inference_count = (uint64_t)r->batch;
    d.success_count = 1;
    d.success_ns = t3 - r->enqueue_ns;
  } else {
    d.fail_count = 1;
    d.fail_ns = t3 - r->enqueue_ns;
  }
  fake_stats_add(&d);
  r->response_fn(resp, RESPONSE_COMPLETE_FINAL, r->response_userp);
  r->in_flight = false;
  r->release_fn(r, REQUEST_RELEASE_ALL, r->release_userp);
}

static void *worker(void *arg) {
  TRITONSERVER_Server *s = arg;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (!s->head && !s->stopping) pthread_cond_wait(&s->wake, &s->lock);
    if (!s->head) break;
    TRITONSERVER_InferenceRequest *r = s->head;
    s->head = r->next;
    if (!s->head) s->tail = NULL;
    pthread_mutex_unlock(&s->lock);
    execute(s, r);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

void fake_start_worker(TRITONSERVER_Server *s) {
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  pthread_create(&s->worker, NULL, worker, s);
}

/* Finishes every queued request (as Triton drains on shutdown), then joins the thread. */
void fake_stop_worker(TRITONSERVER_Server *s) {
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->worker, NULL);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->wake);
}

API TRITONSERVER_Error *TRITONSERVER_ResponseAllocatorNew(TRITONSERVER_ResponseAllocator **out,
                                                          AllocFn alloc, ReleaseFn release,
                                                          void *start_fn) {
  TRITONSERVER_ResponseAllocator *a = malloc(sizeof *a);
  a->alloc = alloc;
  a->release = release;
  *out = a;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ResponseAllocatorDelete(TRITONSERVER_ResponseAllocator *a) {
  free(a);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceResponseDelete(TRITONSERVER_InferenceResponse *r) {
  if (!r) return NULL;
  for (int i = 0; i < r->n_outputs; i++) {
    FakeOutput *o = &r->outputs[i];
    TRITONSERVER_ErrorDelete(r->allocator->release(r->allocator, o->base, o->buffer_userp,
                                                   o->byte_size, o->memory_type,
                                                   o->memory_type_id));
  }
  TRITONSERVER_ErrorDelete(r->error);
  free(r);
  return NULL;
}

/* The caller owns the returned error, so it gets a copy. */
API TRITONSERVER_Error *TRITONSERVER_InferenceResponseError(TRITONSERVER_InferenceResponse *r) {
  return r->error ? fake_error(r->error->code, "%s", r->error->message) : NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceResponseOutputCount(
    TRITONSERVER_InferenceResponse *r, uint32_t *count) {
  *count = (uint32_t)r->n_outputs;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceResponseOutput(
    TRITONSERVER_InferenceResponse *r, uint32_t index, const char **name, int *datatype,
    const int64_t **shape, uint64_t *dims, const void **base, size_t *byte_size,
    int *memory_type, int64_t *memory_type_id, void **userp) {
  if (index >= (uint32_t)r->n_outputs) {
    return fake_error(ERR_INVALID_ARG, "out of bounds index %u: response has %d outputs", index,
                      r->n_outputs);
  }
  FakeOutput *o = &r->outputs[index];
  *name = o->name;
  *datatype = TYPE_INT32;
  *shape = o->shape;
  *dims = 2;
  *base = o->base;
  *byte_size = o->byte_size;
  *memory_type = o->memory_type;
  *memory_type_id = o->memory_type_id;
  *userp = o->buffer_userp;
  return NULL;
}
