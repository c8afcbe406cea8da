/*
 * A test double for libtritonserver.so: the C API of docs/protocols.md section 6 with one simulated
 * model, `simple`, loaded from `<repository>/simple` when that directory exists. This part holds
 * errors, messages, server options and the server object; fake_json.c builds its JSON and
 * fake_infer.c runs the inferences on a thread of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fake_tritonserver.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static FakeStats stats;

char *fake_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  memcpy(d, s, n);
  return d;
}

uint64_t fake_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

TRITONSERVER_Error *fake_error(int code, const char *fmt, ...) {
  TRITONSERVER_Error *e = malloc(sizeof *e);
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  e->code = code;
  e->message = fake_strdup(buf);
  return e;
}

void fake_stats_add(const FakeStats *d) {
  pthread_mutex_lock(&stats_lock);
  uint64_t *dst = (uint64_t *)&stats;
  const uint64_t *src = (const uint64_t *)d;
  for (size_t i = 0; i < sizeof stats / sizeof(uint64_t); i++) dst[i] += src[i];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  stats.last_inference_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  pthread_mutex_unlock(&stats_lock);
}

/* Not part of the C API: the double's own counters in FakeStats order, for tests. */
API void FAKE_TRITONSERVER_GroundTruth(uint64_t *out) {
  pthread_mutex_lock(&stats_lock);
  memcpy(out, &stats, sizeof stats);
  pthread_mutex_unlock(&stats_lock);
}

API TRITONSERVER_Error *TRITONSERVER_ApiVersion(uint32_t *major, uint32_t *minor) {
  *major = 1;
  *minor = 34;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ErrorNew(int code, const char *msg) {
  return fake_error(code, "%s", msg);
}

API void TRITONSERVER_ErrorDelete(TRITONSERVER_Error *e) {
  if (!e) return;
  free(e->message);
  free(e);
}

API int TRITONSERVER_ErrorCode(TRITONSERVER_Error *e) { return e->code; }
API const char *TRITONSERVER_ErrorMessage(TRITONSERVER_Error *e) { return e->message; }

API const char *TRITONSERVER_ErrorCodeString(TRITONSERVER_Error *e) {
  static const char *names[] = {"Unknown", "Internal", "Not found", "Invalid argument",
                                "Unavailable", "Unsupported", "Already exists", "Cancelled"};
  return e->code >= 0 && e->code <= 7 ? names[e->code] : "<invalid code>";
}

API const char *TRITONSERVER_DataTypeString(int dt) {
  static const char *names[] = {"<invalid>", "BOOL", "UINT8", "UINT16", "UINT32", "UINT64",
                                "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64",
                                "BYTES", "BF16"};
  return dt >= 0 && dt <= 14 ? names[dt] : "<invalid>";
}

API int TRITONSERVER_StringToDataType(const char *s) {
  for (int dt = 1; dt <= 14; dt++) {
    if (strcmp(s, TRITONSERVER_DataTypeString(dt)) == 0) return dt;
  }
  return TYPE_INVALID;
}

API const char *TRITONSERVER_MemoryTypeString(int t) {
  return t == 0 ? "CPU" : t == 1 ? "CPU_PINNED" : t == 2 ? "GPU" : "<invalid>";
}

API TRITONSERVER_Error *TRITONSERVER_MessageSerializeToJson(TRITONSERVER_Message *m,
                                                            const char **base, size_t *size) {
  *base = m->json;
  *size = m->size;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_MessageDelete(TRITONSERVER_Message *m) {
  if (m) free(m->json);
  free(m);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerOptionsNew(TRITONSERVER_ServerOptions **o) {
  *o = calloc(1, sizeof **o);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerOptionsDelete(TRITONSERVER_ServerOptions *o) {
  if (o) free(o->repository);
  free(o);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetModelRepositoryPath(
    TRITONSERVER_ServerOptions *o, const char *path) {
  free(o->repository);
  o->repository = fake_strdup(path);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetLogVerbose(TRITONSERVER_ServerOptions *o,
                                                                int level) {
  o->log_verbose = level;
  return NULL;
}

/* Options the double accepts and has no use for (no GPUs, backends or repo agents here). */
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetLogInfo(void *o, bool on) { return NULL; }
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetLogWarn(void *o, bool on) { return NULL; }
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetLogError(void *o, bool on) { return NULL; }
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetBackendDirectory(void *o, const char *d) {
  return NULL;
}
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetRepoAgentDirectory(void *o, const char *d) {
  return NULL;
}
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetStrictModelConfig(void *o, bool s) {
  return NULL;
}
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetCudaMemoryPoolByteSize(void *o, int gpu,
                                                                           uint64_t size) {
  return NULL;
}
API TRITONSERVER_Error *TRITONSERVER_ServerOptionsSetMinSupportedComputeCapability(void *o,
                                                                                  double cc) {
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerNew(TRITONSERVER_Server **out,
                                               TRITONSERVER_ServerOptions *o) {
  struct stat st;
  if (!o->repository || stat(o->repository, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fake_error(ERR_INVALID_ARG, "failed to stat file %s",
                      o->repository ? o->repository : "");
  }
  TRITONSERVER_Server *s = calloc(1, sizeof *s);
  s->repository = fake_strdup(o->repository);
  char path[4096];
  snprintf(path, sizeof path, "%s/simple", o->repository);
  s->simple_ready = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
  const char *us = getenv("FAKE_TRITON_COMPUTE_US");
  s->compute_us = us ? strtoull(us, NULL, 10) : 0;
  pthread_mutex_lock(&stats_lock);
  memset(&stats, 0, sizeof stats);
  pthread_mutex_unlock(&stats_lock);
  fake_start_worker(s);
  *out = s;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerDelete(TRITONSERVER_Server *s) {
  if (!s) return NULL;
  fake_stop_worker(s);
  free(s->repository);
  free(s);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerIsLive(TRITONSERVER_Server *s, bool *live) {
  *live = true;
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerIsReady(TRITONSERVER_Server *s, bool *ready) {
  *ready = true;
  return NULL;
}

TRITONSERVER_Error *fake_check_model(TRITONSERVER_Server *s, const char *name, int64_t version) {
  if (strcmp(name, "simple") != 0 || !s->simple_ready) {
    return fake_error(ERR_NOT_FOUND, "Request for unknown model: '%s' is not found", name);
  }
  if (version != -1 && version != 1) {
    return fake_error(ERR_NOT_FOUND,
                      "Request for unknown model: '%s' version %lld is not found", name,
                      (long long)version);
  }
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerModelIsReady(TRITONSERVER_Server *s, const char *name,
                                                        int64_t version, bool *ready) {
  /* As the real server: an unknown model is "not ready", not an error. */
  TRITONSERVER_Error *e = fake_check_model(s, name, version);
  *ready = e == NULL;
  TRITONSERVER_ErrorDelete(e);
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerMetadata(TRITONSERVER_Server *s,
                                                    TRITONSERVER_Message **out) {
  static const char json[] =
      "{\"name\":\"triton\",\"version\":\"2.50.0\",\"extensions\":[\"statistics\"]}";
  TRITONSERVER_Message *m = malloc(sizeof *m);
  m->json = fake_strdup(json);
  m->size = strlen(json);
  *out = m;
  return NULL;
}
