/* The C API (qforge/c_api.h) from a C99 program linked against the shared libqforge_runtime:
   a lenet5 int8 model written by qforge 0.5.0 runs and gives the outputs recorded then, and
   every kind of bad argument is an error status with a message, never a crash.
   Usage: c_api_test TESTDATA_DIR. Prints "N passed, N failed"; exits non-zero on a failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qforge/c_api.h"
#include "qforge/version.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      ++passed;                                                              \
    } else {                                                                 \
      ++failed;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: '%s')\n", __FILE__, \
              __LINE__, #cond, qf_last_error());                             \
    }                                                                        \
  } while (0)

/* Reads a whole file into a malloc'ed buffer; NULL if it cannot. */
static char* read_file(const char* dir, const char* name, size_t* size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc(n > 0 ? (size_t)n : 1);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

static void test_runs_a_model(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/lenet5_int8_0.5.0.qfm", dir);
  QfModel* model = NULL;
  CHECK(qf_model_load(path, &model) == QF_OK && model != NULL);
  if (!model) return;

  QfInterpreterOptions options;
  qf_interpreter_options_init(&options);
  options.batch_size = 2;
  QfInterpreter* interpreter = NULL;
  CHECK(qf_interpreter_create(model, &options, &interpreter) == QF_OK);
  qf_model_free(model); /* the interpreter keeps the model alive */
  if (!interpreter) return;

  CHECK(qf_interpreter_input_count(interpreter) == 1);
  CHECK(qf_interpreter_output_count(interpreter) == 1);
  QfTensorInfo in, out;
  CHECK(qf_interpreter_input_info(interpreter, 0, &in) == QF_OK);
  CHECK(in.dtype == QF_FLOAT32 && in.rank == 4 && in.shape[0] == 2 && in.shape[1] == 28 && in.shape[3] == 1);
  CHECK(in.bytes == 2 * 28 * 28 * 4);
  CHECK(qf_interpreter_output_info(interpreter, 0, &out) == QF_OK);
  CHECK(out.dtype == QF_FLOAT32 && out.rank == 2 && out.shape[1] == 10 && out.bytes == 80);
  int index = -1;
  CHECK(qf_interpreter_input_index(interpreter, in.name, &index) == QF_OK && index == 0);
  CHECK(qf_interpreter_output_index(interpreter, "no such output", &index) == QF_NOT_FOUND);
  CHECK(strstr(qf_last_error(), "no such output") != NULL);

  size_t input_size = 0, expected_size = 0;
  char* input = read_file(dir, "lenet5_input.bin", &input_size);
  char* expected = read_file(dir, "lenet5_int8_0.5.0_output.bin", &expected_size);
  CHECK(input != NULL && input_size == (size_t)in.bytes);
  CHECK(expected != NULL && expected_size == (size_t)out.bytes);
  if (input && expected && input_size == (size_t)in.bytes && expected_size == (size_t)out.bytes) {
    float scores[20];
    CHECK(qf_interpreter_set_input(interpreter, 0, input, input_size) == QF_OK);
    CHECK(qf_interpreter_invoke(interpreter) == QF_OK);
    CHECK(qf_interpreter_get_output(interpreter, 0, scores, sizeof scores) == QF_OK);
    CHECK(memcmp(scores, expected, sizeof scores) == 0);
    /* Wrong sizes are errors that name the tensor. */
    CHECK(qf_interpreter_set_input(interpreter, 0, input, input_size - 1) == QF_INVALID_ARGUMENT);
    CHECK(strstr(qf_last_error(), in.name) != NULL);
    CHECK(qf_interpreter_get_output(interpreter, 0, scores, 4) == QF_INVALID_ARGUMENT);
  }
  free(input);
  free(expected);
  qf_interpreter_free(interpreter);
}

static void test_bad_arguments(const char* dir) {
  QfModel* model = (QfModel*)&passed; /* must be reset to NULL on failure */
  CHECK(qf_model_load("/nonexistent/model.qfm", &model) == QF_NOT_FOUND && model == NULL);
  CHECK(strlen(qf_last_error()) > 0);
  CHECK(qf_model_load(NULL, &model) == QF_INVALID_ARGUMENT);
  CHECK(qf_model_load("x", NULL) == QF_INVALID_ARGUMENT);
  const char junk[64] = {1, 2, 3};
  CHECK(qf_model_from_bytes(junk, sizeof junk, &model) == QF_DATA_LOSS && model == NULL);
  CHECK(qf_model_from_bytes(NULL, 4, &model) == QF_INVALID_ARGUMENT);

  QfInterpreter* interpreter = NULL;
  CHECK(qf_interpreter_create(NULL, NULL, &interpreter) == QF_INVALID_ARGUMENT && interpreter == NULL);
  CHECK(qf_interpreter_invoke(NULL) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_input_count(NULL) == -1);
  CHECK(qf_interpreter_output_count(NULL) == -1);
  QfTensorInfo info;
  CHECK(qf_interpreter_input_info(NULL, 0, &info) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_output_info(NULL, 0, &info) == QF_INVALID_ARGUMENT);
  int index = 0;
  CHECK(qf_interpreter_input_index(NULL, "x", &index) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_output_index(NULL, "x", &index) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_set_input(NULL, 0, junk, 4) == QF_INVALID_ARGUMENT);
  CHECK(strstr(qf_last_error(), "qf_interpreter_set_input: interpreter is NULL") != NULL);
  float out[4];
  CHECK(qf_interpreter_get_output(NULL, 0, out, sizeof out) == QF_INVALID_ARGUMENT);
  qf_model_free(NULL);
  qf_interpreter_free(NULL);

  size_t size = 0;
  char* bytes = read_file(dir, "lenet5_int8_0.5.0.qfm", &size);
  CHECK(bytes != NULL);
  if (!bytes) return;
  CHECK(qf_model_from_bytes(bytes, size, &model) == QF_OK);
  free(bytes); /* copied */
  QfInterpreterOptions options;
  qf_interpreter_options_init(&options);
  options.threads = 0;
  CHECK(qf_interpreter_create(model, &options, &interpreter) == QF_INVALID_ARGUMENT);
  options.threads = 1;
  options.max_isa = "mmx";
  CHECK(qf_interpreter_create(model, &options, &interpreter) == QF_INVALID_ARGUMENT);
  CHECK(strstr(qf_last_error(), "mmx") != NULL);
  CHECK(qf_interpreter_create(model, NULL, &interpreter) == QF_OK);
  CHECK(qf_interpreter_input_info(interpreter, 1, &info) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_output_info(interpreter, -1, &info) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_set_input(interpreter, 0, NULL, 0) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_get_output(interpreter, 0, NULL, 40) == QF_INVALID_ARGUMENT);
  CHECK(qf_interpreter_input_index(interpreter, NULL, NULL) == QF_INVALID_ARGUMENT);
  qf_interpreter_free(interpreter);
  qf_model_free(model);
}

static void test_names(void) {
  CHECK(strcmp(qf_version(), QFORGE_VERSION) == 0);
  CHECK(strcmp(qf_status_string(QF_DATA_LOSS), "data loss") == 0);
  CHECK(strcmp(qf_status_string((QfStatus)99), "unknown status") == 0);
  CHECK(strcmp(qf_dtype_name(QF_INT8), "int8") == 0);
  CHECK(strcmp(qf_dtype_name((QfDType)-1), "unknown") == 0);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test TESTDATA_DIR\n");
    return 2;
  }
  test_runs_a_model(argv[1]);
  test_bad_arguments(argv[1]);
  test_names();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
