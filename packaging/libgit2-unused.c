/* Stand-ins for two libgit2 features verify-layers never uses, linked into the release build's static libgit2 only.
 *
 * 1. CA certificates at start-up. Debian's libgit2 uses mbedTLS, whose global init (run by git_libgit2_init) parses
 *    every certificate in /etc/ssl/certs/ca-certificates.crt: about half of the instructions of a no-op pre-push
 *    (callgrind: mbedtls_base64_decode and mbedtls_ct_base64_dec_value). verify-layers never talks TLS through
 *    libgit2 (its HTTPS goes through libcurl), so packaging/dist.sh links with --wrap for the two loaders and these
 *    wrappers load nothing. Should libgit2 ever open a TLS connection, it would find no trusted certificate and fail
 *    closed.
 *
 * 2. GSSAPI.
 * Debian builds libgit2 with SPNEGO ("Negotiate") authentication for HTTP git remotes, so libgit2.a refers to
 * gss_* functions, and Debian ships libgssapi_krb5 only as a shared library. verify-layers never talks to a git
 * remote (it reads objects from the local repository), so rather than make the release binary need
 * libgssapi_krb5.so.2, packaging/dist.sh links these: every call reports GSS_S_FAILURE, which libgit2 turns into
 * "Negotiate is not available". They are linked from an archive, so --exclude-libs keeps them out of the binary's
 * dynamic symbols: libcurl's own GSSAPI (loaded with libcurl.so.4) is untouched. Never part of `swift build`.
 *
 * 3. TLS and SSH set-up at start-up. git_libgit2_init initialises libgit2's mbedTLS stream (an entropy pool whose
 *    HAVEGE source alone was ~1 M instructions, a CTR-DRBG, an SSL config) and libssh2 (OpenSSL's libcrypto): together
 *    ~2.4 M instructions, a tenth of what a no-op pre-push executed (callgrind, BENCHMARKS.md). verify-layers reads
 *    local objects only, so packaging/dist.sh wraps them: the mbedTLS set-up runs, unchanged, on first use of a TLS
 *    stream (pthread_once), and libssh2 initialises itself when a session is made (_libssh2_init_if_needed in
 *    libssh2_session_init_ex), as it does for any program that never calls libssh2_init.
 */
#include <gssapi/gssapi.h>
#include <pthread.h>
#include <stddef.h>

struct git_stream;

int __real_git_mbedtls_stream_global_init(void);
int __real_git_mbedtls_stream_new(struct git_stream **out, const char *host, const char *port);
int __real_git_mbedtls_stream_wrap(struct git_stream **out, struct git_stream *in, const char *host);
int __real_git_mbedtls__set_cert_location(const char *file, const char *path);
int __wrap_git_mbedtls_stream_global_init(void);
int __wrap_git_mbedtls_stream_new(struct git_stream **out, const char *host, const char *port);
int __wrap_git_mbedtls_stream_wrap(struct git_stream **out, struct git_stream *in, const char *host);
int __wrap_git_mbedtls__set_cert_location(const char *file, const char *path);
int __wrap_git_transport_ssh_global_init(void);

static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_status;
/* The set-up itself loads the CA locations through the wrapped git_mbedtls__set_cert_location. */
static __thread int in_tls_init;

static void tls_init(void) {
    in_tls_init = 1;
    tls_status = __real_git_mbedtls_stream_global_init();
    in_tls_init = 0;
}

/* libgit2's own mbedTLS set-up, once, before the first use of anything it sets up. */
static int tls_ready(void) {
    pthread_once(&tls_once, tls_init);
    return tls_status;
}

int __wrap_git_mbedtls_stream_global_init(void) { return 0; }

int __wrap_git_mbedtls_stream_new(struct git_stream **out, const char *host, const char *port) {
    int status = tls_ready();
    return status < 0 ? status : __real_git_mbedtls_stream_new(out, host, port);
}

int __wrap_git_mbedtls_stream_wrap(struct git_stream **out, struct git_stream *in, const char *host) {
    int status = tls_ready();
    return status < 0 ? status : __real_git_mbedtls_stream_wrap(out, in, host);
}

int __wrap_git_mbedtls__set_cert_location(const char *file, const char *path) {
    int status = in_tls_init ? 0 : tls_ready();
    return status < 0 ? status : __real_git_mbedtls__set_cert_location(file, path);
}

int __wrap_git_transport_ssh_global_init(void) { return 0; }

struct mbedtls_x509_crt;

int __wrap_mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path);

int __wrap_mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    return 0;
}

int __wrap_mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    return 0;
}

static gss_OID_desc no_oid = {0, NULL};
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &no_oid;

static OM_uint32 unavailable(OM_uint32 *minor) {
    if (minor != NULL) *minor = 0;
    return GSS_S_FAILURE;
}

static void empty(gss_buffer_t buffer) {
    if (buffer != NULL) {
        buffer->length = 0;
        buffer->value = NULL;
    }
}

OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs) {
    if (mechs != NULL) *mechs = GSS_C_NO_OID_SET;
    return unavailable(minor);
}

OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t input, gss_OID type, gss_name_t *output) {
    (void)input;
    (void)type;
    if (output != NULL) *output = GSS_C_NO_NAME;
    return unavailable(minor);
}

OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t credential, gss_ctx_id_t *context, gss_name_t target,
                               gss_OID mech, OM_uint32 flags, OM_uint32 lifetime, gss_channel_bindings_t bindings,
                               gss_buffer_t input, gss_OID *actual_mech, gss_buffer_t output, OM_uint32 *returned_flags,
                               OM_uint32 *time_received) {
    (void)credential;
    (void)context;
    (void)target;
    (void)mech;
    (void)flags;
    (void)lifetime;
    (void)bindings;
    (void)input;
    if (actual_mech != NULL) *actual_mech = GSS_C_NO_OID;
    if (returned_flags != NULL) *returned_flags = 0;
    if (time_received != NULL) *time_received = 0;
    empty(output);
    return unavailable(minor);
}

OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type, gss_OID mech, OM_uint32 *context,
                             gss_buffer_t text) {
    static char message[] = "GSSAPI (Negotiate) is not built into this verify-layers release";
    (void)status;
    (void)type;
    (void)mech;
    if (context != NULL) *context = 0;
    if (text != NULL) {
        text->length = sizeof message - 1;
        text->value = message;
    }
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context, gss_buffer_t output) {
    if (context != NULL) *context = GSS_C_NO_CONTEXT;
    empty(output);
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_release_buffer(OM_uint32 *minor, gss_buffer_t buffer) {
    /* Only gss_display_status hands out a buffer, and it points at static text. */
    empty(buffer);
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name) {
    if (name != NULL) *name = GSS_C_NO_NAME;
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_release_oid_set(OM_uint32 *minor, gss_OID_set *set) {
    if (set != NULL) *set = GSS_C_NO_OID_SET;
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}
