// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host runner for the KUnit suites: runs every registered case and prints
 * KTAP-like results, then "N passed, N failed".  Exit status 1 on failure.
 * An optional argument restricts the run to suites or cases whose name
 * contains it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kunit/test.h>

#define MAX_SUITES	64

struct kunit_host_res {
	struct kunit_host_res *next;
	unsigned char data[];
};

static struct kunit_suite *suites[MAX_SUITES];
static unsigned int nsuites;

void kunit_host_register(struct kunit_suite **s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (nsuites == MAX_SUITES) {
			fprintf(stderr, "too many suites\n");
			exit(2);
		}
		suites[nsuites++] = s[i];
	}
}

void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	struct kunit_host_res *r;

	(void)gfp;
	r = calloc(1, sizeof(*r) + size);
	if (!r)
		return NULL;
	r->next = test->res;
	test->res = r;
	return r->data;
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc(test, size, gfp);
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size,
			  gfp_t gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kunit_kmalloc(test, n * size, gfp);
}

void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, n, size, gfp);
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	struct kunit_host_res **pp;

	for (pp = &test->res; *pp; pp = &(*pp)->next) {
		if ((const void *)(*pp)->data == ptr) {
			struct kunit_host_res *r = *pp;

			*pp = r->next;
			free(r);
			return;
		}
	}
}

static void free_resources(struct kunit *test)
{
	while (test->res) {
		struct kunit_host_res *r = test->res;

		test->res = r->next;
		free(r);
	}
}

void kunit_host_report(struct kunit *test, const char *file, int line,
		       const char *fmt, ...)
{
	va_list ap;

	test->failed = true;
	printf("    # %s: %s:%d: EXPECTATION FAILED\n", test->name, file,
	       line);
	printf("      ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void kunit_host_end(struct kunit *test, bool assert, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strspn(buf, "\n ") != strlen(buf))
		printf("      %s\n", buf + strspn(buf, "\n "));
	if (assert && test->abort)
		longjmp(*test->abort, 1);
}

static bool selected(const char *filter, const struct kunit_suite *s,
		     const struct kunit_case *c)
{
	return !filter || strstr(s->name, filter) || strstr(c->name, filter);
}

/* Separate function so the setjmp frame holds no locals of the caller. */
static bool run_case(struct kunit_suite *s, struct kunit_case *c)
{
	jmp_buf env;
	struct kunit test;
	volatile bool init_ok = true;

	memset(&test, 0, sizeof(test));
	test.name = c->name;
	test.abort = &env;

	if (setjmp(env) == 0) {
		if (s->init && s->init(&test)) {
			init_ok = false;
			test.failed = true;
			printf("    # %s: suite init failed\n", c->name);
		} else {
			c->run_case(&test);
		}
	}
	test.abort = NULL;
	if (init_ok && s->exit)
		s->exit(&test);
	free_resources(&test);
	return !test.failed;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	unsigned int i, total = 0, n = 0, passed = 0, failed = 0;
	struct kunit_case *c;

	for (i = 0; i < nsuites; i++)
		for (c = suites[i]->test_cases; c->run_case; c++)
			total += selected(filter, suites[i], c);

	printf("KTAP version 1\n1..%u\n", total);
	for (i = 0; i < nsuites; i++) {
		struct kunit_suite *s = suites[i];
		unsigned int nsel = 0;

		for (c = s->test_cases; c->run_case; c++)
			nsel += selected(filter, s, c);
		if (!nsel)
			continue;
		printf("# Subtest: %s\n", s->name);
		if (s->suite_init && s->suite_init(s)) {
			printf("# %s: suite_init failed\n", s->name);
			for (c = s->test_cases; c->run_case; c++) {
				if (!selected(filter, s, c))
					continue;
				printf("not ok %u %s.%s\n", ++n, s->name,
				       c->name);
				failed++;
			}
			continue;
		}
		for (c = s->test_cases; c->run_case; c++) {
			if (!selected(filter, s, c))
				continue;
			fflush(stdout);
			if (run_case(s, c)) {
				printf("ok %u %s.%s\n", ++n, s->name, c->name);
				passed++;
			} else {
				printf("not ok %u %s.%s\n", ++n, s->name,
				       c->name);
				failed++;
			}
		}
		if (s->suite_exit)
			s->suite_exit(s);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
