/* SPDX-License-Identifier: MIT */
/* Tiny helpers for the unit tests: exit 0 pass, 1 fail, 77 skip. */
#ifndef P2PBUF_TEST_H
#define P2PBUF_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_PASS	0
#define T_FAIL	1
#define T_SKIP	77

static int t_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		t_failures++;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, _a, #b, _b);		\
		t_failures++;						\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || strcmp(_a, _b)) {					\
		fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
			__FILE__, __LINE__, #a, _a ? _a : "(null)", _b); \
		t_failures++;						\
	}								\
} while (0)

#define T_RESULT() (t_failures ? T_FAIL : T_PASS)

#endif
