/*
 * Inference requests of the fake libtritonserver.so: building them (inputs, outputs,
 * callbacks), validating them in TRITONSERVER_ServerInferAsync the way Triton does for `simple`
 * (errors returned synchronously, the request left with the caller), and the response object
 * the worker thread (fake_infer.c) fills.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_request.h"

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestNew(TRITONSERVER_InferenceRequest **out,
                                                         TRITONSERVER_Server *s,
                                                         const char *model, int64_t version) {
  TRITONSERVER_Error *e = fake_check_model(s, model, version);
  if (e) return e;
  TRITONSERVER_InferenceRequest *r = calloc(1, sizeof *r);
  r->server = s;
  *out = r;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestDelete(TRITONSERVER_InferenceRequest *r) {
  free(r);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetId(TRITONSERVER_InferenceRequest *r,
                                                           const char *id) {
  strncpy(r->id, id, sizeof r->id - 1);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestId(TRITONSERVER_InferenceRequest *r,
                                                        const char **id) {
  *id = r->id;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetFlags(TRITONSERVER_InferenceRequest *r,
                                                              uint32_t flags) {
  r->flags = flags;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetCorrelationId(
    TRITONSERVER_InferenceRequest *r, uint64_t id) {
  r->correlation_id = id;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetCorrelationIdString(
    TRITONSERVER_InferenceRequest *r, const char *id) {
  strncpy(r->correlation_id_string, id, sizeof r->correlation_id_string - 1);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetTimeoutMicroseconds(
    TRITONSERVER_InferenceRequest *r, uint64_t us) {
  r->timeout_us = us;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestAddInput(TRITONSERVER_InferenceRequest *r,
                                                              const char *name, int datatype,
                                                              const int64_t *shape,
                                                              uint64_t dims) {
  for (int i = 0; i < r->n_inputs; i++) {
    if (strcmp(r->inputs[i].name, name) == 0) {
      return fake_error(ERR_INVALID_ARG, "input '%s' already exists in request", name);
    }
  }
  if (r->n_inputs == MAX_TENSORS || dims > MAX_DIMS || strlen(name) >= NAME_CAP) {
    return fake_error(ERR_UNSUPPORTED, "the test double holds at most %d inputs of %d dims",
                      MAX_TENSORS, MAX_DIMS);
  }
  FakeInput *in = &r->inputs[r->n_inputs++];
  memset(in, 0, sizeof *in);
  strcpy(in->name, name);
  in->datatype = datatype;
  in->dims = dims;
  memcpy(in->shape, shape, dims * sizeof(int64_t));
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestAppendInputData(
    TRITONSERVER_InferenceRequest *r, const char *name, const void *base, size_t size,
    int memory_type, int64_t memory_type_id) {
  for (int i = 0; i < r->n_inputs; i++) {
    FakeInput *in = &r->inputs[i];
    if (strcmp(in->name, name) != 0) continue;
    if (memory_type != MEMORY_CPU) {
      return fake_error(ERR_UNSUPPORTED, "the test double takes CPU memory only");
    }
    if (in->n_chunks == MAX_CHUNKS) {
      return fake_error(ERR_UNSUPPORTED, "the test double takes at most %d buffers per input",
                        MAX_CHUNKS);
    }
    in->chunk[in->n_chunks] = base;
    in->chunk_size[in->n_chunks++] = size;
    in->byte_size += size;
    return NULL;
  }
  return fake_error(ERR_INVALID_ARG, "input '%s' does not exist in request", name);
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestAddRequestedOutput(
    TRITONSERVER_InferenceRequest *r, const char *name) {
  if (r->n_outputs == MAX_TENSORS || strlen(name) >= NAME_CAP) {
    return fake_error(ERR_UNSUPPORTED, "the test double holds at most %d outputs", MAX_TENSORS);
  }
  strcpy(r->outputs[r->n_outputs++], name);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetReleaseCallback(
    TRITONSERVER_InferenceRequest *r, RequestReleaseFn fn, void *userp) {
  r->release_fn = fn;
  r->release_userp = userp;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_InferenceRequestSetResponseCallback(
    TRITONSERVER_InferenceRequest *r, TRITONSERVER_ResponseAllocator *alloc, void *alloc_userp,
    ResponseCompleteFn fn, void *userp) {
  r->allocator = alloc;
  r->alloc_userp = alloc_userp;
  r->response_fn = fn;
  r->response_userp = userp;
  return NULL;
}

/* The checks Triton makes before it queues a request for `simple`, with its wording. */
static TRITONSERVER_Error *validate(TRITONSERVER_InferenceRequest *r) {
  if (r->in_flight) return fake_error(ERR_INTERNAL, "request is already in flight");
  if (!r->response_fn || !r->release_fn) {
    return fake_error(ERR_INVALID_ARG, "inference request has no response or release callback");
  }
  if (r->n_inputs != 2) {
    return fake_error(ERR_INVALID_ARG, "expected 2 inputs but got %d inputs for model 'simple'",
                      r->n_inputs);
  }
  int64_t batch = -1;
  for (int i = 0; i < 2; i++) {
    FakeInput *in = &r->inputs[i];
    if (strcmp(in->name, "INPUT0") != 0 && strcmp(in->name, "INPUT1") != 0) {
      return fake_error(ERR_INVALID_ARG, "unexpected inference input '%s' for model 'simple'",
                        in->name);
    }
    if (in->datatype != TYPE_INT32) {
      return fake_error(ERR_INVALID_ARG, "inference input '%s' data-type is '%s', but model "
                        "'simple' expects 'INT32'", in->name,
                        TRITONSERVER_DataTypeString(in->datatype));
    }
    if (in->dims != 2 || in->shape[1] != SIMPLE_ELEMENTS || in->shape[0] < 1 ||
        in->shape[0] > SIMPLE_MAX_BATCH || (batch != -1 && in->shape[0] != batch)) {
      return fake_error(ERR_INVALID_ARG, "unexpected shape for input '%s' for model 'simple'. "
                        "Expected [-1,16] with a batch of 1 to 8 shared by all inputs",
                        in->name);
    }
    batch = in->shape[0];
    size_t want = (size_t)batch * SIMPLE_ELEMENTS * 4;
    if (in->byte_size != want) {
      return fake_error(ERR_INVALID_ARG, "unexpected total byte size %zu for input '%s', "
                        "expecting %zu", in->byte_size, in->name, want);
    }
  }
  if (strcmp(r->inputs[0].name, r->inputs[1].name) == 0) {
    return fake_error(ERR_INVALID_ARG, "input '%s' given twice", r->inputs[0].name);
  }
  for (int i = 0; i < r->n_outputs; i++) {
    if (strcmp(r->outputs[i], "OUTPUT0") != 0 && strcmp(r->outputs[i], "OUTPUT1") != 0) {
      return fake_error(ERR_INVALID_ARG, "unexpected inference output '%s' for model 'simple'",
                        r->outputs[i]);
    }
  }
  r->batch = batch;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerInferAsync(TRITONSERVER_Server *s,
                                                      TRITONSERVER_InferenceRequest *r,
                                                      void *trace) {
  TRITONSERVER_Error *e = validate(r);
  if (e) return e;
  r->in_flight = true;
  r->enqueue_ns = fake_now_ns();
  r->next = NULL;
  pthread_mutex_lock(&s->lock);
  if (s->tail) s->tail->next = r;
  else s->head = r;
  s->tail = r;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}
