#ifndef VERIFY_LAYERS_CMALLOC_H
#define VERIFY_LAYERS_CMALLOC_H
/* glibc's malloc tuning (malloc.h is not in Swift's Glibc module). Elsewhere: a no-op that reports "not applied".
 * malloc.h comes first: __GLIBC__ is defined by a libc header (features.h), so testing it before any include took the
 * no-op branch on glibc too. */
#if defined(__linux__)
#include <malloc.h>
#endif
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
static inline int vl_malloc_single_arena(void) { return mallopt(M_ARENA_MAX, 1); }
#else
static inline int vl_malloc_single_arena(void) { return 0; }
#endif
#endif
