/* Request and response objects of the fake libtritonserver.so (fake_request.c, fake_infer.c). */
#ifndef FAKE_REQUEST_H
#define FAKE_REQUEST_H

#include "fake_tritonserver.h"

#define NAME_CAP 64
#define MAX_DIMS 8
#define MAX_CHUNKS 4

typedef struct FakeInput {
  char name[NAME_CAP];
  int datatype;
  int64_t shape[MAX_DIMS];
  uint64_t dims;
  /* Referenced, not copied: the caller keeps them alive until the request is released. */
  const void *chunk[MAX_CHUNKS];
  size_t chunk_size[MAX_CHUNKS];
  int n_chunks;
  size_t byte_size;
} FakeInput;

struct TRITONSERVER_InferenceRequest {
  TRITONSERVER_Server *server;
  char id[NAME_CAP];
  uint32_t flags;
  uint64_t correlation_id, timeout_us;
  char correlation_id_string[NAME_CAP];
  FakeInput inputs[MAX_TENSORS];
  int n_inputs;
  char outputs[MAX_TENSORS][NAME_CAP];
  int n_outputs;
  RequestReleaseFn release_fn;
  void *release_userp;
  TRITONSERVER_ResponseAllocator *allocator;
  void *alloc_userp;
  ResponseCompleteFn response_fn;
  void *response_userp;
  /* Set by InferAsync, cleared by the worker just before the release callback. */
  bool in_flight;
  int64_t batch;
  uint64_t enqueue_ns;
  TRITONSERVER_InferenceRequest *next;
};

typedef struct FakeOutput {
  const char *name;
  int64_t shape[2];
  void *base;
  size_t byte_size;
  void *buffer_userp;
  int memory_type;
  int64_t memory_type_id;
} FakeOutput;

typedef struct TRITONSERVER_InferenceResponse {
  TRITONSERVER_Error *error;
  TRITONSERVER_ResponseAllocator *allocator;
  char id[NAME_CAP];
  FakeOutput outputs[2];
  int n_outputs;
} TRITONSERVER_InferenceResponse;

#endif
