/* CMalloc is header-only; SwiftPM needs one source file per C target. */
#include "CMalloc.h"
