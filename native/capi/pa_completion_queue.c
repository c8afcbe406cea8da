/*
 * libpa_completion_queue.so: the C side of the triton_c_api backend's completion path.
 * Triton calls the response-complete and request-release callbacks on its own threads; calling
 * into JavaScript from there (Deno.UnsafeCallback.threadSafe) hops threads per completion. These
 * callbacks stay in C instead: they append (tag id, pointer, flags, kind) to a queue that JS
 * drains in batches with one nonblocking FFI call (pa_cq_wait) or a synchronous poll. The
 * response allocator (malloc/free, as perf_analyzer's) is here too, so Triton never needs the
 * JS thread to make progress.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API __attribute__((visibility("default")))

enum { KIND_RESPONSE = 1, KIND_RELEASE = 2 };

typedef struct Queue {
  pthread_mutex_t lock;
  pthread_cond_t ready;
  uint64_t *items; /* 3 words per completion */
  size_t head, count, cap;
  bool shutdown;
} Queue;

/* What Triton echoes back as the callbacks' userp: which queue, and the JS-side slot id. */
typedef struct Tag {
  Queue *queue;
  uint64_t id;
} Tag;

API Queue *pa_cq_new(void) {
  Queue *q = calloc(1, sizeof *q);
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->ready, NULL);
  q->cap = 1024;
  q->items = malloc(q->cap * 3 * sizeof(uint64_t));
  return q;
}

API void pa_cq_delete(Queue *q) {
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->ready);
  free(q->items);
  free(q);
}

API Tag *pa_cq_tag_new(Queue *q, uint64_t id) {
  Tag *t = malloc(sizeof *t);
  t->queue = q;
  t->id = id;
  return t;
}

API void pa_cq_tag_delete(Tag *t) { free(t); }

static void push(Tag *t, void *ptr, uint32_t flags, uint32_t kind) {
  Queue *q = t->queue;
  pthread_mutex_lock(&q->lock);
  if (q->count == q->cap) {
    /* Grow and unwrap the ring so it is contiguous from 0 again. */
    uint64_t *items = malloc(q->cap * 2 * 3 * sizeof(uint64_t));
    for (size_t i = 0; i < q->count; i++) {
      memcpy(&items[i * 3], &q->items[((q->head + i) % q->cap) * 3], 3 * sizeof(uint64_t));
    }
    free(q->items);
    q->items = items;
    q->head = 0;
    q->cap *= 2;
  }
  uint64_t *slot = &q->items[((q->head + q->count) % q->cap) * 3];
  slot[0] = t->id;
  slot[1] = (uint64_t)(uintptr_t)ptr;
  slot[2] = ((uint64_t)kind << 32) | flags;
  q->count++;
  pthread_cond_signal(&q->ready);
  pthread_mutex_unlock(&q->lock);
}

static void on_response(void *response, uint32_t flags, void *userp) {
  push(userp, response, flags, KIND_RESPONSE);
}

static void on_release(void *request, uint32_t flags, void *userp) {
  push(userp, request, flags, KIND_RELEASE);
}

static void *on_alloc(void *allocator, const char *name, size_t byte_size, int memory_type,
                      int64_t memory_type_id, void *userp, void **buffer, void **buffer_userp,
                      int *actual_type, int64_t *actual_id) {
  *actual_type = 0; /* TRITONSERVER_MEMORY_CPU */
  *actual_id = 0;
  *buffer_userp = NULL;
  *buffer = byte_size == 0 ? NULL : malloc(byte_size);
  return NULL;
}

static void *on_alloc_release(void *allocator, void *buffer, void *buffer_userp,
                              size_t byte_size, int memory_type, int64_t memory_type_id) {
  free(buffer);
  return NULL;
}

API void *pa_cq_response_fn(void) { return (void *)on_response; }
API void *pa_cq_release_fn(void) { return (void *)on_release; }
API void *pa_cq_alloc_fn(void) { return (void *)on_alloc; }
API void *pa_cq_alloc_release_fn(void) { return (void *)on_alloc_release; }

/* Moves up to `max` completions into `out`; the lock is held by the caller. */
static uint32_t take(Queue *q, uint64_t *out, uint32_t max) {
  uint32_t n = 0;
  while (q->count > 0 && n < max) {
    memcpy(&out[n * 3], &q->items[q->head * 3], 3 * sizeof(uint64_t));
    q->head = (q->head + 1) % q->cap;
    q->count--;
    n++;
  }
  return n;
}

API uint32_t pa_cq_poll(Queue *q, uint64_t *out, uint32_t max) {
  pthread_mutex_lock(&q->lock);
  uint32_t n = take(q, out, max);
  pthread_mutex_unlock(&q->lock);
  return n;
}

/* Blocks (meant for a nonblocking FFI call) until a completion, the timeout, or shutdown. */
API uint32_t pa_cq_wait(Queue *q, uint64_t *out, uint32_t max, int32_t timeout_ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&q->lock);
  while (q->count == 0 && !q->shutdown) {
    if (pthread_cond_timedwait(&q->ready, &q->lock, &until) == ETIMEDOUT) break;
  }
  uint32_t n = take(q, out, max);
  pthread_mutex_unlock(&q->lock);
  return n;
}

/* Wakes a pending pa_cq_wait for good, so the JS drain loop can end. */
API void pa_cq_shutdown(Queue *q) {
  pthread_mutex_lock(&q->lock);
  q->shutdown = true;
  pthread_cond_broadcast(&q->ready);
  pthread_mutex_unlock(&q->lock);
}
