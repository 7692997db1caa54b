/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace subset of the KUnit API (include/kunit/test.h, Linux 6.1), so
 * the suites under kunit/ run unchanged on the build host.  Only what the
 * suites use is provided; semantics follow the kernel's: EXPECT records a
 * failure and continues, ASSERT records it and ends the case.
 */
#ifndef PPTP_HOST_KUNIT_TEST_H
#define PPTP_HOST_KUNIT_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include <linux/slab.h>
#include <linux/module.h>

struct kunit_host_res;

struct kunit {
	void *priv;
	/* private: host runner state */
	const char *name;
	bool failed;
	jmp_buf *abort;
	struct kunit_host_res *res;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)	{ .run_case = fn, .name = #fn }

void kunit_host_register(struct kunit_suite **suites, unsigned int n);

#define KUNIT_HOST_CAT2(a, b)	a##b
#define KUNIT_HOST_CAT(a, b)	KUNIT_HOST_CAT2(a, b)

#define kunit_test_suites(...)						\
	static struct kunit_suite *KUNIT_HOST_CAT(kunit_host_s_, __LINE__)[] = \
		{ __VA_ARGS__ };					\
	__attribute__((constructor))					\
	static void KUNIT_HOST_CAT(kunit_host_reg_, __LINE__)(void)	\
	{								\
		kunit_host_register(KUNIT_HOST_CAT(kunit_host_s_, __LINE__), \
			sizeof(KUNIT_HOST_CAT(kunit_host_s_, __LINE__)) / \
			sizeof(struct kunit_suite *));			\
	}

#define kunit_test_suite(suite)	kunit_test_suites(&(suite))

/* Zeroed memory freed when the case ends, like the kernel's. */
void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp);
void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);
void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size,
			  gfp_t gfp);
void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit *test, const void *ptr);

void kunit_host_report(struct kunit *test, const char *file, int line,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints the caller's optional message, then ends the case if @assert. */
void kunit_host_end(struct kunit *test, bool assert, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define kunit_info(test, fmt, ...)	printf("    # " fmt, ##__VA_ARGS__)
#define kunit_err(test, fmt, ...)	printf("    # " fmt, ##__VA_ARGS__)
#define kunit_warn(test, fmt, ...)	printf("    # " fmt, ##__VA_ARGS__)

#define KUNIT_FAIL(test, fmt, ...)					\
	do {								\
		kunit_host_report(test, __FILE__, __LINE__, fmt,	\
				  ##__VA_ARGS__);			\
		kunit_host_end(test, false, " ");			\
	} while (0)

/* Integers compare as long long: the suites never need more range. */
#define KUNIT_HOST_INT(test, as, l, op, r, ...)				\
	do {								\
		long long __l = (long long)(l);				\
		long long __r = (long long)(r);				\
		if (!(__l op __r)) {					\
			kunit_host_report(test, __FILE__, __LINE__,	\
				"Expected %s %s %s, but\n"		\
				"      %s == %lld (0x%llx)\n"		\
				"      %s == %lld (0x%llx)",		\
				#l, #op, #r, #l, __l,			\
				(unsigned long long)__l, #r, __r,	\
				(unsigned long long)__r);		\
			kunit_host_end(test, as, " " __VA_ARGS__);	\
		}							\
	} while (0)

#define KUNIT_HOST_PTR(test, as, l, op, r, ...)				\
	do {								\
		const void *__l = (const void *)(l);			\
		const void *__r = (const void *)(r);			\
		if (!(__l op __r)) {					\
			kunit_host_report(test, __FILE__, __LINE__,	\
				"Expected %s %s %s, but %p vs %p",	\
				#l, #op, #r, __l, __r);			\
			kunit_host_end(test, as, " " __VA_ARGS__);	\
		}							\
	} while (0)

#define KUNIT_HOST_BOOL(test, as, c, want, ...)				\
	do {								\
		bool __c = (c);						\
		if (__c != (want)) {					\
			kunit_host_report(test, __FILE__, __LINE__,	\
				"Expected %s to be %s", #c,		\
				(want) ? "true" : "false");		\
			kunit_host_end(test, as, " " __VA_ARGS__);	\
		}							\
	} while (0)

#define KUNIT_HOST_STR(test, as, l, op, r, ...)				\
	do {								\
		const char *__l = (l);					\
		const char *__r = (r);					\
		if (!(strcmp(__l, __r) op 0)) {				\
			kunit_host_report(test, __FILE__, __LINE__,	\
				"Expected %s %s %s, but \"%s\" vs \"%s\"", \
				#l, #op, #r, __l, __r);			\
			kunit_host_end(test, as, " " __VA_ARGS__);	\
		}							\
	} while (0)

/* EXPECT_* */
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_HOST_BOOL(t, false, c, true)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_HOST_BOOL(t, false, c, false)
#define KUNIT_EXPECT_EQ(t, l, r)	KUNIT_HOST_INT(t, false, l, ==, r)
#define KUNIT_EXPECT_NE(t, l, r)	KUNIT_HOST_INT(t, false, l, !=, r)
#define KUNIT_EXPECT_LT(t, l, r)	KUNIT_HOST_INT(t, false, l, <, r)
#define KUNIT_EXPECT_LE(t, l, r)	KUNIT_HOST_INT(t, false, l, <=, r)
#define KUNIT_EXPECT_GT(t, l, r)	KUNIT_HOST_INT(t, false, l, >, r)
#define KUNIT_EXPECT_GE(t, l, r)	KUNIT_HOST_INT(t, false, l, >=, r)
#define KUNIT_EXPECT_PTR_EQ(t, l, r)	KUNIT_HOST_PTR(t, false, l, ==, r)
#define KUNIT_EXPECT_PTR_NE(t, l, r)	KUNIT_HOST_PTR(t, false, l, !=, r)
#define KUNIT_EXPECT_NULL(t, p)		KUNIT_HOST_PTR(t, false, p, ==, NULL)
#define KUNIT_EXPECT_NOT_NULL(t, p)	KUNIT_HOST_PTR(t, false, p, !=, NULL)
#define KUNIT_EXPECT_STREQ(t, l, r)	KUNIT_HOST_STR(t, false, l, ==, r)
#define KUNIT_EXPECT_STRNEQ(t, l, r)	KUNIT_HOST_STR(t, false, l, !=, r)

#define KUNIT_EXPECT_TRUE_MSG(t, c, ...)	\
	KUNIT_HOST_BOOL(t, false, c, true, __VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, ...)	\
	KUNIT_HOST_BOOL(t, false, c, false, __VA_ARGS__)
#define KUNIT_EXPECT_EQ_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, ==, r, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, !=, r, __VA_ARGS__)
#define KUNIT_EXPECT_LT_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, <, r, __VA_ARGS__)
#define KUNIT_EXPECT_LE_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, <=, r, __VA_ARGS__)
#define KUNIT_EXPECT_GT_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, >, r, __VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, false, l, >=, r, __VA_ARGS__)
#define KUNIT_EXPECT_STREQ_MSG(t, l, r, ...)	\
	KUNIT_HOST_STR(t, false, l, ==, r, __VA_ARGS__)

/* ASSERT_* */
#define KUNIT_ASSERT_TRUE(t, c)		KUNIT_HOST_BOOL(t, true, c, true)
#define KUNIT_ASSERT_FALSE(t, c)	KUNIT_HOST_BOOL(t, true, c, false)
#define KUNIT_ASSERT_EQ(t, l, r)	KUNIT_HOST_INT(t, true, l, ==, r)
#define KUNIT_ASSERT_NE(t, l, r)	KUNIT_HOST_INT(t, true, l, !=, r)
#define KUNIT_ASSERT_LT(t, l, r)	KUNIT_HOST_INT(t, true, l, <, r)
#define KUNIT_ASSERT_LE(t, l, r)	KUNIT_HOST_INT(t, true, l, <=, r)
#define KUNIT_ASSERT_GT(t, l, r)	KUNIT_HOST_INT(t, true, l, >, r)
#define KUNIT_ASSERT_GE(t, l, r)	KUNIT_HOST_INT(t, true, l, >=, r)
#define KUNIT_ASSERT_PTR_EQ(t, l, r)	KUNIT_HOST_PTR(t, true, l, ==, r)
#define KUNIT_ASSERT_PTR_NE(t, l, r)	KUNIT_HOST_PTR(t, true, l, !=, r)
#define KUNIT_ASSERT_NULL(t, p)		KUNIT_HOST_PTR(t, true, p, ==, NULL)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_HOST_PTR(t, true, p, !=, NULL)
#define KUNIT_ASSERT_STREQ(t, l, r)	KUNIT_HOST_STR(t, true, l, ==, r)

#define KUNIT_ASSERT_TRUE_MSG(t, c, ...)	\
	KUNIT_HOST_BOOL(t, true, c, true, __VA_ARGS__)
#define KUNIT_ASSERT_FALSE_MSG(t, c, ...)	\
	KUNIT_HOST_BOOL(t, true, c, false, __VA_ARGS__)
#define KUNIT_ASSERT_EQ_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, true, l, ==, r, __VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, true, l, !=, r, __VA_ARGS__)
#define KUNIT_ASSERT_LE_MSG(t, l, r, ...)	\
	KUNIT_HOST_INT(t, true, l, <=, r, __VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL_MSG(t, p, ...)	\
	KUNIT_HOST_PTR(t, true, p, !=, NULL, __VA_ARGS__)

#endif
