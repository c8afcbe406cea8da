/*
 * Internal declarations shared by the parts of the fake libtritonserver.so (a test double for
 * the Triton in-process C API, docs/protocols.md section 6): fake_tritonserver.c (errors, messages,
 * options, server), fake_json.c (metadata, config, statistics), fake_request.c (requests) and
 * fake_infer.c (the worker thread, responses). Only the TRITONSERVER_* functions (and the
 * double's FAKE_TRITONSERVER_GroundTruth) are exported; everything else is hidden.
 */
#ifndef FAKE_TRITONSERVER_H
#define FAKE_TRITONSERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API __attribute__((visibility("default")))
#define HIDDEN __attribute__((visibility("hidden")))

/* Enum values from docs/protocols.md section 6.3. */
enum { ERR_UNKNOWN = 0, ERR_INTERNAL = 1, ERR_NOT_FOUND = 2, ERR_INVALID_ARG = 3,
       ERR_UNAVAILABLE = 4, ERR_UNSUPPORTED = 5, ERR_ALREADY_EXISTS = 6 };
enum { TYPE_INVALID = 0, TYPE_INT32 = 8, TYPE_BYTES = 13 };
enum { MEMORY_CPU = 0 };
enum { RESPONSE_COMPLETE_FINAL = 1, REQUEST_RELEASE_ALL = 1 };

/* The model this double serves: Triton's example `simple` (INT32 [16] add/sub, batch <= 8). */
#define SIMPLE_ELEMENTS 16
#define SIMPLE_MAX_BATCH 8
#define MAX_TENSORS 4

typedef struct TRITONSERVER_Error {
  int code;
  char *message;
} TRITONSERVER_Error;

typedef struct TRITONSERVER_Message {
  char *json;
  size_t size;
} TRITONSERVER_Message;

typedef struct TRITONSERVER_ServerOptions {
  char *repository;
  int log_verbose;
} TRITONSERVER_ServerOptions;

/* Cumulative statistics, in the statistics extension's terms (docs/protocols.md section 1.10). */
typedef struct FakeStats {
  uint64_t inference_count, execution_count, last_inference_ms;
  uint64_t success_count, success_ns, fail_count, fail_ns;
  uint64_t queue_count, queue_ns;
  uint64_t input_count, input_ns, infer_count, infer_ns, output_count, output_ns;
} FakeStats;

typedef struct TRITONSERVER_InferenceRequest TRITONSERVER_InferenceRequest;

typedef struct TRITONSERVER_Server {
  char *repository;
  bool simple_ready;
  /* Simulated compute per execution (env FAKE_TRITON_COMPUTE_US). */
  uint64_t compute_us;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  TRITONSERVER_InferenceRequest *head, *tail;
  bool stopping;
  pthread_t worker;
} TRITONSERVER_Server;

typedef void (*RequestReleaseFn)(TRITONSERVER_InferenceRequest *, uint32_t, void *);
typedef void (*ResponseCompleteFn)(void *response, uint32_t, void *);
typedef TRITONSERVER_Error *(*AllocFn)(void *, const char *, size_t, int, int64_t, void *,
                                      void **, void **, int *, int64_t *);
typedef TRITONSERVER_Error *(*ReleaseFn)(void *, void *, void *, size_t, int, int64_t);

typedef struct TRITONSERVER_ResponseAllocator {
  AllocFn alloc;
  ReleaseFn release;
} TRITONSERVER_ResponseAllocator;

HIDDEN TRITONSERVER_Error *fake_error(int code, const char *fmt, ...);
HIDDEN char *fake_strdup(const char *s);
HIDDEN uint64_t fake_now_ns(void);
HIDDEN void fake_stats_add(const FakeStats *delta);
HIDDEN void fake_start_worker(TRITONSERVER_Server *server);
HIDDEN void fake_stop_worker(TRITONSERVER_Server *server);
/* Exported API functions the other parts call. */
API void FAKE_TRITONSERVER_GroundTruth(uint64_t *out);
API const char *TRITONSERVER_DataTypeString(int dt);
API void TRITONSERVER_ErrorDelete(TRITONSERVER_Error *e);
HIDDEN TRITONSERVER_Error *fake_check_model(TRITONSERVER_Server *s, const char *name,
                                            int64_t version);

#endif
