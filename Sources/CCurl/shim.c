/* libcurl on first use. The binary does not link libcurl: loading it and the ~30 libraries it needs (OpenSSL, nghttp2,
 * libssh2, Kerberos, LDAP, ...) costs more than everything else a no-op pre-push does, and only a run that talks to the
 * network needs it. Every libcurl function the Swift code calls is defined here as a trampoline that dlopen()s
 * libcurl.so.4 once (pthread_once) and calls through the dlsym()ed pointer. When the library cannot be loaded, nothing
 * crashes: handles are never created (curl_easy_init / curl_multi_init return NULL, curl_global_init fails), the
 * *_strerror functions return the reason, and vl_curl_load_error() says what is missing and how to install it.
 * The trampolines are hidden: libcurl's own calls to its public functions must never bind to them. */
#define CURL_DISABLE_TYPECHECK 1
#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define VL_HIDDEN __attribute__((visibility("hidden")))

/* What the Swift code calls, filled from libcurl.so.4. */
static struct {
    CURLcode (*global_init)(long flags);
    char *(*version)(void);
    curl_version_info_data *(*version_info)(CURLversion stamp);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *handle);
    CURLMcode (*multi_add_handle)(CURLM *handle, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *handle, CURL *easy);
    CURLMcode (*multi_perform)(CURLM *handle, int *running);
    CURLMcode (*multi_poll)(CURLM *handle, struct curl_waitfd extra[], unsigned int count, int timeout_ms, int *ret);
    CURLMsg *(*multi_info_read)(CURLM *handle, int *remaining);
    const char *(*multi_strerror)(CURLMcode code);
    CURLMcode (*multi_setopt)(CURLM *handle, CURLMoption option, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[1024];

#define VL_INSTALL_HINT \
    "verify-layers reaches the service through the system's libcurl (7.86 or newer); install it: " \
    "`apt-get install libcurl4t64` (Debian 13, Ubuntu 24.04), `apt-get install libcurl4` (Debian 12, Ubuntu 22.04), " \
    "`dnf install libcurl` (Fedora)"

#ifdef __APPLE__
#define VL_LIBCURL "libcurl.4.dylib"
#else
#define VL_LIBCURL "libcurl.so.4"
#endif

static void load(void) {
    void *library = dlopen(VL_LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load " VL_LIBCURL " (%s): " VL_INSTALL_HINT,
                 reason ? reason : "unknown reason");
        return;
    }
    const struct { const char *name; void **slot; } symbols[] = {
        {"curl_global_init", (void **)&api.global_init},
        {"curl_version", (void **)&api.version},
        {"curl_version_info", (void **)&api.version_info},
        {"curl_easy_init", (void **)&api.easy_init},
        {"curl_easy_cleanup", (void **)&api.easy_cleanup},
        {"curl_easy_perform", (void **)&api.easy_perform},
        {"curl_easy_strerror", (void **)&api.easy_strerror},
        {"curl_easy_setopt", (void **)&api.easy_setopt},
        {"curl_easy_getinfo", (void **)&api.easy_getinfo},
        {"curl_multi_init", (void **)&api.multi_init},
        {"curl_multi_cleanup", (void **)&api.multi_cleanup},
        {"curl_multi_add_handle", (void **)&api.multi_add_handle},
        {"curl_multi_remove_handle", (void **)&api.multi_remove_handle},
        {"curl_multi_perform", (void **)&api.multi_perform},
        {"curl_multi_poll", (void **)&api.multi_poll},
        {"curl_multi_info_read", (void **)&api.multi_info_read},
        {"curl_multi_strerror", (void **)&api.multi_strerror},
        {"curl_multi_setopt", (void **)&api.multi_setopt},
        {"curl_slist_append", (void **)&api.slist_append},
        {"curl_slist_free_all", (void **)&api.slist_free_all},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (*symbols[i].slot == NULL) {
            snprintf(load_error, sizeof load_error, "the " VL_LIBCURL " found has no %s (it is older than 7.86): "
                     VL_INSTALL_HINT, symbols[i].name);
            return; /* the library stays loaded (dlclose of a half-used library is not worth the risk); unused */
        }
    }
    loaded = 1;
}

/* Loads libcurl once; 1 when every function is there. */
static int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

VL_HIDDEN const char *vl_curl_load_error(void) { return ready() ? NULL : load_error; }

VL_HIDDEN void vl_curl_preload(void) { (void)ready(); }

VL_HIDDEN CURLcode curl_global_init(long flags) { return ready() ? api.global_init(flags) : CURLE_FAILED_INIT; }
VL_HIDDEN char *curl_version(void) { return ready() ? api.version() : load_error; }
VL_HIDDEN curl_version_info_data *curl_version_info(CURLversion stamp) {
    return ready() ? api.version_info(stamp) : NULL;
}

VL_HIDDEN CURL *curl_easy_init(void) { return ready() ? api.easy_init() : NULL; }
VL_HIDDEN void curl_easy_cleanup(CURL *handle) { if (ready()) api.easy_cleanup(handle); }
VL_HIDDEN CURLcode curl_easy_perform(CURL *handle) { return ready() ? api.easy_perform(handle) : CURLE_FAILED_INIT; }
VL_HIDDEN const char *curl_easy_strerror(CURLcode code) { return ready() ? api.easy_strerror(code) : load_error; }

VL_HIDDEN CURLM *curl_multi_init(void) { return ready() ? api.multi_init() : NULL; }
VL_HIDDEN CURLMcode curl_multi_cleanup(CURLM *handle) { return ready() ? api.multi_cleanup(handle) : CURLM_BAD_HANDLE; }
VL_HIDDEN CURLMcode curl_multi_add_handle(CURLM *handle, CURL *easy) {
    return ready() ? api.multi_add_handle(handle, easy) : CURLM_BAD_HANDLE;
}
VL_HIDDEN CURLMcode curl_multi_remove_handle(CURLM *handle, CURL *easy) {
    return ready() ? api.multi_remove_handle(handle, easy) : CURLM_BAD_HANDLE;
}
VL_HIDDEN CURLMcode curl_multi_perform(CURLM *handle, int *running) {
    return ready() ? api.multi_perform(handle, running) : CURLM_BAD_HANDLE;
}
VL_HIDDEN CURLMcode curl_multi_poll(CURLM *handle, struct curl_waitfd extra[], unsigned int count, int timeout_ms,
                                    int *ret) {
    return ready() ? api.multi_poll(handle, extra, count, timeout_ms, ret) : CURLM_BAD_HANDLE;
}
VL_HIDDEN CURLMsg *curl_multi_info_read(CURLM *handle, int *remaining) {
    return ready() ? api.multi_info_read(handle, remaining) : NULL;
}
VL_HIDDEN const char *curl_multi_strerror(CURLMcode code) { return ready() ? api.multi_strerror(code) : load_error; }

VL_HIDDEN struct curl_slist *curl_slist_append(struct curl_slist *list, const char *line) {
    return ready() ? api.slist_append(list, line) : NULL;
}
VL_HIDDEN void curl_slist_free_all(struct curl_slist *list) { if (ready()) api.slist_free_all(list); }

/* The non-variadic wrappers Swift calls (it cannot call C variadic functions). */
VL_HIDDEN CURLcode vl_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, vl_curl_data_callback value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

VL_HIDDEN CURLcode vl_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return ready() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return ready() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
VL_HIDDEN CURLcode vl_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return ready() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}

VL_HIDDEN CURLMcode vl_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return ready() ? api.multi_setopt(handle, option, value) : CURLM_BAD_HANDLE;
}

VL_HIDDEN int vl_curl_msg_is_done(const CURLMsg *msg) { return msg->msg == CURLMSG_DONE; }
VL_HIDDEN CURL *vl_curl_msg_easy(const CURLMsg *msg) { return msg->easy_handle; }
VL_HIDDEN CURLcode vl_curl_msg_result(const CURLMsg *msg) { return msg->data.result; }
