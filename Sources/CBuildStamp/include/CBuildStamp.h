#ifndef VERIFY_LAYERS_CBUILDSTAMP_H
#define VERIFY_LAYERS_CBUILDSTAMP_H
/* The release version and commit this binary was built from. `make dist` writes release-stamp.h beside stamp.c
 * (git-ignored) from `git describe`; a plain `swift build` has no stamp and reports the development version. */
const char *vl_stamp_version(void);
const char *vl_stamp_commit(void);
#endif
