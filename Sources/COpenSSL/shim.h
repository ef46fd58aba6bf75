#ifndef LWS_COPENSSL_SHIM_H
#define LWS_COPENSSL_SHIM_H
/* OpenSSL's libcrypto (Debian libssl-dev): HMAC-SHA256, which signs Jupyter messages. */
#include <stddef.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* HMAC-SHA256 of data with key into out (32 bytes); returns 1 on success. */
static inline int lws_hmac_sha256(const void *key, size_t keylen, const unsigned char *data, size_t len,
                                  unsigned char out[32]) {
    unsigned int outlen = 0;
    return HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen) != NULL && outlen == 32;
}

/* Compares two buffers in constant time (a signature check must not leak where it differs). */
static inline int lws_equal_constant_time(const void *a, const void *b, size_t len) {
    return CRYPTO_memcmp(a, b, len) == 0;
}
#endif
