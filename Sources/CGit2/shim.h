#ifndef VERIFY_LAYERS_CGIT2_SHIM_H
#define VERIFY_LAYERS_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/repository.h>
#include <stddef.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one non-variadic wrapper per setting used. */
static inline int cgit2_set_mwindow_size(size_t bytes) { return git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, bytes); }
static inline int cgit2_set_mwindow_mapped_limit(size_t bytes) { return git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, bytes); }
static inline int cgit2_set_cache_max_size(ssize_t bytes) { return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, bytes); }
static inline int cgit2_set_cache_object_limit(git_object_t type, size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, type, bytes);
}
/* 0 turns off libgit2's re-hash of every object it reads (git itself does not re-hash on read either). */
static inline int cgit2_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
static inline size_t cgit2_get_mwindow_size(void) {
    size_t bytes = 0;
    git_libgit2_opts(GIT_OPT_GET_MWINDOW_SIZE, &bytes);
    return bytes;
}
static inline size_t cgit2_get_mwindow_mapped_limit(void) {
    size_t bytes = 0;
    git_libgit2_opts(GIT_OPT_GET_MWINDOW_MAPPED_LIMIT, &bytes);
    return bytes;
}
static inline ssize_t cgit2_get_cache_max_size(void) {
    ssize_t current = 0, allowed = 0;
    git_libgit2_opts(GIT_OPT_GET_CACHED_MEMORY, &current, &allowed);
    return allowed;
}
#endif
