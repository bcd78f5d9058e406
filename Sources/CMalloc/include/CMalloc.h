#ifndef VERIFY_LAYERS_CMALLOC_H
#define VERIFY_LAYERS_CMALLOC_H
/* glibc's malloc tuning (malloc.h is not in Swift's Glibc module). Elsewhere: a no-op that reports "not applied". */
#if defined(__GLIBC__)
#include <malloc.h>
static inline int vl_malloc_single_arena(void) { return mallopt(M_ARENA_MAX, 1); }
#else
static inline int vl_malloc_single_arena(void) { return 0; }
#endif
#endif
