/* The C twin of classify.cc: classifies preprocessed images (float32, raw) with a .qfm model
   through the C API (qforge/c_api.h) and prints the accuracy against the labels (uint8, raw).
   Build: cc -std=c99 classify.c $(pkg-config --cflags --libs qforge-runtime) -o classify_c
   Usage: classify_c MODEL.qfm IMAGES.f32 LABELS.u8 */
#include <qforge/c_api.h>
#include <stdio.h>
#include <stdlib.h>

enum { kBatch = 100 };

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* data = malloc(n > 0 ? (size_t)n : 1);
  *size = data ? fread(data, 1, (size_t)n, f) : 0;
  fclose(f);
  return data;
}

static int fail(const char* what) {
  fprintf(stderr, "classify_c: %s: %s\n", what, qf_last_error());
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: classify_c MODEL.qfm IMAGES.f32 LABELS.u8\n");
    return 2;
  }
  QfModel* model = NULL;
  if (qf_model_load(argv[1], &model) != QF_OK) return fail("loading the model");
  QfInterpreterOptions options;
  qf_interpreter_options_init(&options);
  options.batch_size = kBatch;
  QfInterpreter* interpreter = NULL;
  QfStatus status = qf_interpreter_create(model, &options, &interpreter);
  qf_model_free(model);
  if (status != QF_OK) return fail("preparing the interpreter");
  QfTensorInfo input, output;
  qf_interpreter_input_info(interpreter, 0, &input);
  qf_interpreter_output_info(interpreter, 0, &output);
  const int classes = output.shape[1];

  size_t image_count = 0, label_count = 0;
  unsigned char* images = read_file(argv[2], &image_count);
  unsigned char* labels = read_file(argv[3], &label_count);
  const size_t image_bytes = (size_t)input.bytes / kBatch;
  if (!images || !labels || label_count == 0 || label_count % kBatch != 0 || image_count != label_count * image_bytes) {
    fprintf(stderr, "classify_c: images and labels do not match the model's input\n");
    return 1;
  }
  float* scores = malloc((size_t)output.bytes);
  long correct = 0;
  for (size_t first = 0; first < label_count; first += kBatch) {
    if (qf_interpreter_set_input(interpreter, 0, images + first * image_bytes, kBatch * image_bytes) != QF_OK ||
        qf_interpreter_invoke(interpreter) != QF_OK ||
        qf_interpreter_get_output(interpreter, 0, scores, (size_t)output.bytes) != QF_OK)
      return fail("running the model");
    for (int b = 0; b < kBatch; ++b) {
      int best = 0;
      for (int c = 1; c < classes; ++c)
        if (scores[b * classes + c] > scores[b * classes + best]) best = c;
      correct += best == labels[first + b];
    }
  }
  printf("int8 accuracy %.4f on %zu images\n", (double)correct / (double)label_count, label_count);
  free(scores);
  free(images);
  free(labels);
  qf_interpreter_free(interpreter);
  return 0;
}
