// qforge runtime API: load a .qfm model, inspect its inputs and outputs, set an input, invoke,
// read the output — with Status errors, never exceptions or crashes on bad files. Needs only
// the qforge_runtime library (C++17, FlatBuffers headers). One loaded Model may be shared by
// interpreters on several threads (one interpreter per thread). See docs/runtime.md.
#pragma once

#include "runtime/interpreter.h"     // IWYU pragma: export
#include "runtime/model/model.h"     // IWYU pragma: export
#include "runtime/runtime_tensor.h"  // IWYU pragma: export
#include "runtime/status.h"          // IWYU pragma: export
