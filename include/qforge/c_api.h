/* qforge runtime C API: load a .qfm model, create an interpreter, set inputs, invoke, read
   outputs — for C programs and other languages' foreign-function interfaces. Opaque handles,
   status codes, and a per-thread message for the last error. Link libqforge_runtime
   (pkg-config qforge-runtime, or CMake qforge::runtime). Every function checks its arguments:
   a NULL handle or pointer, an out-of-range index or a wrong byte count is an error status,
   never a crash. See docs/runtime.md. */
#ifndef QFORGE_C_API_H_
#define QFORGE_C_API_H_

#include <stddef.h>
#include <stdint.h>

#include "qforge/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum QfStatus {
  QF_OK = 0,
  QF_INVALID_ARGUMENT = 1,
  QF_NOT_FOUND = 2,
  QF_DATA_LOSS = 3, /* a damaged or unreadable model file */
  QF_FAILED_PRECONDITION = 4,
  QF_UNIMPLEMENTED = 5,
  QF_INTERNAL = 6
} QfStatus;

/* Element types (the values of the .qfm format). float16 is 2 bytes of IEEE binary16. */
typedef enum QfDType { QF_FLOAT32 = 0, QF_INT8 = 1, QF_INT16 = 2, QF_INT32 = 3, QF_INT64 = 4, QF_FLOAT16 = 5 } QfDType;

typedef struct QfModel QfModel;
typedef struct QfInterpreter QfInterpreter;

typedef struct QfInterpreterOptions {
  int batch_size;       /* >= 1; the model's first dimension is multiplied by it */
  int threads;          /* 1..256 */
  const char* max_isa;  /* x86-64: "ref", "avx2", "avx512vnni", "avx512vbmi"; 64-bit Arm: "ref", "neon",
                           "neondot"; NULL for the best the CPU has */
} QfInterpreterOptions;

/* A model input or output. The pointers stay valid until the interpreter is freed. */
typedef struct QfTensorInfo {
  const char* name;
  QfDType dtype;
  int rank;
  const int* shape; /* rank entries, NHWC for images, batch size applied */
  int64_t elements;
  int64_t bytes;
  int num_scales;            /* 0 when not quantized; real = (q - zero_point) * scale */
  const float* scale;        /* num_scales entries */
  const int64_t* zero_point; /* num_scales entries */
} QfTensorInfo;

QFORGE_API const char* qf_version(void);                 /* "0.6.0" */
QFORGE_API const char* qf_status_string(QfStatus status); /* "invalid argument", ... */
QFORGE_API const char* qf_dtype_name(QfDType dtype);      /* "float32", ... */
/* The message of the last call on this thread that failed ("" if none did). */
QFORGE_API const char* qf_last_error(void);

/* Loads and verifies a .qfm file; *model is set on QF_OK, NULL otherwise. */
QFORGE_API QfStatus qf_model_load(const char* path, QfModel** model);
/* The same from bytes in memory (copied). */
QFORGE_API QfStatus qf_model_from_bytes(const void* data, size_t size, QfModel** model);
QFORGE_API void qf_model_free(QfModel* model); /* NULL is a no-op */

QFORGE_API void qf_interpreter_options_init(QfInterpreterOptions* options); /* batch 1, 1 thread, best ISA */
/* options may be NULL (the defaults). An interpreter keeps its model alive: the model may be
   freed before it. */
QFORGE_API QfStatus qf_interpreter_create(const QfModel* model, const QfInterpreterOptions* options,
                                          QfInterpreter** interpreter);
QFORGE_API void qf_interpreter_free(QfInterpreter* interpreter); /* NULL is a no-op */

QFORGE_API int qf_interpreter_input_count(const QfInterpreter* interpreter);  /* -1 for NULL */
QFORGE_API int qf_interpreter_output_count(const QfInterpreter* interpreter); /* -1 for NULL */
QFORGE_API QfStatus qf_interpreter_input_info(const QfInterpreter* interpreter, int index, QfTensorInfo* info);
QFORGE_API QfStatus qf_interpreter_output_info(const QfInterpreter* interpreter, int index, QfTensorInfo* info);
QFORGE_API QfStatus qf_interpreter_input_index(const QfInterpreter* interpreter, const char* name, int* index);
QFORGE_API QfStatus qf_interpreter_output_index(const QfInterpreter* interpreter, const char* name, int* index);

/* Copies exactly the input's bytes in. */
QFORGE_API QfStatus qf_interpreter_set_input(QfInterpreter* interpreter, int index, const void* data, size_t bytes);
QFORGE_API QfStatus qf_interpreter_invoke(QfInterpreter* interpreter);
/* Copies exactly the output's bytes out. */
QFORGE_API QfStatus qf_interpreter_get_output(const QfInterpreter* interpreter, int index, void* data, size_t bytes);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QFORGE_C_API_H_ */
