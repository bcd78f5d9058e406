#include "CBuildStamp.h"

#if __has_include("release-stamp.h")
#include "release-stamp.h"
#endif
#ifndef VL_STAMP_VERSION
#define VL_STAMP_VERSION "0.0.0-dev"
#endif
#ifndef VL_STAMP_COMMIT
#define VL_STAMP_COMMIT ""
#endif

const char *vl_stamp_version(void) { return VL_STAMP_VERSION; }
const char *vl_stamp_commit(void) { return VL_STAMP_COMMIT; }
