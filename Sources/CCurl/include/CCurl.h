#ifndef VERIFY_LAYERS_CCURL_H
#define VERIFY_LAYERS_CCURL_H
/* libcurl's declarations; its functions are trampolines in shim.c that load libcurl.so.4 on first use (the binary
 * does not link it). Non-variadic wrappers below: curl_easy_setopt/getinfo and curl_multi_setopt are variadic
 * macros/functions that Swift cannot call. */
#include <curl/curl.h>
#include <stddef.h>

/* NULL once libcurl.so.4 is loaded with every function verify-layers calls; otherwise why not and how to install it.
 * The first call loads it. */
const char *vl_curl_load_error(void);
/* Loads libcurl.so.4 and its libraries now (dlopen and dlsym only, no curl_global_init); safe on any thread. */
void vl_curl_preload(void);

typedef size_t (*vl_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode vl_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode vl_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode vl_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode vl_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode vl_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode vl_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, vl_curl_data_callback value);

CURLcode vl_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode vl_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode vl_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode vl_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

/* Fields of a CURLMsg, which is a struct with a union Swift imports poorly. */
int vl_curl_msg_is_done(const CURLMsg *msg);
CURL *vl_curl_msg_easy(const CURLMsg *msg);
CURLcode vl_curl_msg_result(const CURLMsg *msg);

#endif
