/*
 * The JSON documents of the fake libtritonserver.so: model metadata and configuration (the
 * bodies of Triton's HTTP /v2/models/simple and .../config, docs/protocols.md 1.4/1.5) and the
 * statistics extension's document (1.10), which the real C API returns through
 * TRITONSERVER_ServerModelStatistics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_tritonserver.h"

static TRITONSERVER_Message *message_owning(char *json) {
  TRITONSERVER_Message *m = malloc(sizeof *m);
  m->json = json;
  m->size = strlen(json);
  return m;
}

API TRITONSERVER_Error *TRITONSERVER_ServerModelMetadata(TRITONSERVER_Server *s,
                                                         const char *name, int64_t version,
                                                         TRITONSERVER_Message **out) {
  TRITONSERVER_Error *e = fake_check_model(s, name, version);
  if (e) return e;
  *out = message_owning(fake_strdup(
      "{\"name\":\"simple\",\"versions\":[\"1\"],\"platform\":\"tensorflow_graphdef\","
      "\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
      "{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}],"
      "\"outputs\":[{\"name\":\"OUTPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
      "{\"name\":\"OUTPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}]}"));
  return NULL;
}

API TRITONSERVER_Error *TRITONSERVER_ServerModelConfig(TRITONSERVER_Server *s, const char *name,
                                                       int64_t version, uint32_t config_version,
                                                       TRITONSERVER_Message **out) {
  if (config_version != 1) {
    return fake_error(ERR_INVALID_ARG, "model configuration version %u not supported, "
                      "supported versions are: 1", config_version);
  }
  TRITONSERVER_Error *e = fake_check_model(s, name, version);
  if (e) return e;
  *out = message_owning(fake_strdup(
      "{\"name\":\"simple\",\"platform\":\"tensorflow_graphdef\",\"backend\":\"tensorflow\","
      "\"version_policy\":{\"latest\":{\"num_versions\":1}},\"max_batch_size\":8,"
      "\"input\":[{\"name\":\"INPUT0\",\"data_type\":\"TYPE_INT32\",\"format\":\"FORMAT_NONE\","
      "\"dims\":[16],\"is_shape_tensor\":false,\"optional\":false},"
      "{\"name\":\"INPUT1\",\"data_type\":\"TYPE_INT32\",\"format\":\"FORMAT_NONE\","
      "\"dims\":[16],\"is_shape_tensor\":false,\"optional\":false}],"
      "\"output\":[{\"name\":\"OUTPUT0\",\"data_type\":\"TYPE_INT32\",\"dims\":[16],"
      "\"label_filename\":\"\",\"is_shape_tensor\":false},"
      "{\"name\":\"OUTPUT1\",\"data_type\":\"TYPE_INT32\",\"dims\":[16],"
      "\"label_filename\":\"\",\"is_shape_tensor\":false}],"
      "\"instance_group\":[{\"name\":\"simple_0\",\"kind\":\"KIND_CPU\",\"count\":1}],"
      "\"default_model_filename\":\"model.graphdef\"}"));
  return NULL;
}

static int duration(char *buf, size_t cap, const char *key, uint64_t count, uint64_t ns) {
  return snprintf(buf, cap, "\"%s\":{\"count\":%" PRIu64 ",\"ns\":%" PRIu64 "}", key, count, ns);
}

API TRITONSERVER_Error *TRITONSERVER_ServerModelStatistics(TRITONSERVER_Server *s,
                                                           const char *name, int64_t version,
                                                           TRITONSERVER_Message **out) {
  /* "" asks for every model; here that is `simple` alone. */
  if (name[0] != '\0') {
    TRITONSERVER_Error *e = fake_check_model(s, name, version);
    if (e) return e;
  }
  uint64_t v[sizeof(FakeStats) / sizeof(uint64_t)];
  FAKE_TRITONSERVER_GroundTruth(v);
  FakeStats st;
  memcpy(&st, v, sizeof st);
  size_t cap = 2048;
  char *buf = malloc(cap);
  int n = snprintf(buf, cap,
                   "{\"model_stats\":[{\"name\":\"simple\",\"version\":\"1\","
                   "\"last_inference\":%" PRIu64 ",\"inference_count\":%" PRIu64
                   ",\"execution_count\":%" PRIu64 ",\"inference_stats\":{",
                   st.last_inference_ms, st.inference_count, st.execution_count);
  n += duration(buf + n, cap - n, "success", st.success_count, st.success_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "fail", st.fail_count, st.fail_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "queue", st.queue_count, st.queue_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "compute_input", st.input_count, st.input_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "compute_infer", st.infer_count, st.infer_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "compute_output", st.output_count, st.output_ns);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "cache_hit", 0, 0);
  n += snprintf(buf + n, cap - n, ",");
  n += duration(buf + n, cap - n, "cache_miss", 0, 0);
  snprintf(buf + n, cap - n, "},\"batch_stats\":[]}]}");
  *out = message_owning(buf);
  return NULL;
}
