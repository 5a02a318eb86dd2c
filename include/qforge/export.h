/* QFORGE_API marks what the shared runtime library (libqforge_runtime.so) exports: the public
   C++ facade (qforge/runtime.h, qforge/status.h) and the C API (qforge/c_api.h). Everything
   else in the runtime is built with hidden visibility. Valid C and C++. */
#ifndef QFORGE_EXPORT_H_
#define QFORGE_EXPORT_H_

#if defined(__GNUC__) || defined(__clang__)
#define QFORGE_API __attribute__((visibility("default")))
#else
#define QFORGE_API
#endif

#endif /* QFORGE_EXPORT_H_ */
