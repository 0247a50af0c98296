/*
 * A minimal unit-test harness: each test is a void function that uses the
 * CHECK macros; UNIT_RUN runs one and counts it. main() ends with
 * UNIT_SUMMARY(), which prints "N passed, N failed" and returns the exit code
 * ctest reads.
 */
#ifndef OWL_TEST_UNIT_H
#define OWL_TEST_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_failures_in_test;
static int unit_passed, unit_failed;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            unit_failures_in_test++;                                                    \
        }                                                                               \
    } while (0)

#define CHECK_INT(actual, expected)                                                     \
    do {                                                                                \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                 \
        if (a_ != e_) {                                                                 \
            fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,   \
                    #actual, a_, e_);                                                   \
            unit_failures_in_test++;                                                    \
        }                                                                               \
    } while (0)

#define CHECK_STR(actual, expected)                                                     \
    do {                                                                                \
        const char *a_ = (actual), *e_ = (expected);                                    \
        if (!a_ || !e_ || strcmp(a_, e_) != 0) {                                        \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,         \
                    __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");         \
            unit_failures_in_test++;                                                    \
        }                                                                               \
    } while (0)

#define CHECK_MEM(actual, actual_len, expected, expected_len)                           \
    do {                                                                                \
        size_t al_ = (actual_len), el_ = (expected_len);                                \
        if (al_ != el_ || memcmp((actual), (expected), al_) != 0) {                     \
            fprintf(stderr, "%s:%d: %s differs from %s (%zu vs %zu bytes)\n", __FILE__, \
                    __LINE__, #actual, #expected, al_, el_);                            \
            unit_failures_in_test++;                                                    \
        }                                                                               \
    } while (0)

#define UNIT_RUN(test)                                                                  \
    do {                                                                                \
        unit_failures_in_test = 0;                                                      \
        test();                                                                         \
        if (unit_failures_in_test) {                                                    \
            unit_failed++;                                                              \
            fprintf(stderr, "FAIL %s\n", #test);                                        \
        } else {                                                                        \
            unit_passed++;                                                              \
        }                                                                               \
    } while (0)

#define UNIT_SUMMARY()                                                                  \
    (printf("%d passed, %d failed\n", unit_passed, unit_failed), unit_failed ? 1 : 0)

#endif
