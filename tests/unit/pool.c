// SPDX-License-Identifier: MIT
/* Pool acquire/release: FIFO reuse, -EAGAIN when empty, double release,
 * all-or-nothing creation without leaks. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include "fake.h"
#include "test.h"

#define THREADS	4
#define ROUNDS	20000

static void *worker(void *arg)
{
	struct p2pbuf_pool *pool = arg;
	long bad = 0;
	int i, idx;

	for (i = 0; i < ROUNDS; i++) {
		idx = p2pbuf_pool_acquire(pool, NULL);
		if (idx == -EAGAIN)
			continue;
		if (idx < 0 || p2pbuf_pool_release(pool, (unsigned int)idx))
			bad++;
	}
	return (void *)bad;
}

int main(void)
{
	struct fake f = { 0 };
	struct p2pbuf_provider *prov = fake_provider(&f);
	struct p2pbuf_buffer *b0, *b;
	struct p2pbuf_pool *pool = NULL;
	pthread_t th[THREADS];
	int fds_before, i, idx;

	if (!prov)
		return T_FAIL;
	fds_before = count_fds();

	CHECK_EQ(p2pbuf_pool_create(prov, 0, 4096, 0, &pool), -EINVAL);
	CHECK_EQ(p2pbuf_pool_create(prov, 3, 0, 0, &pool), -EINVAL);
	CHECK_EQ(p2pbuf_pool_create(prov, 3, 4096, 1, &pool), -EINVAL);
	CHECK_EQ(p2pbuf_pool_create(prov, 1025, 4096, 0, &pool), -EINVAL);
	CHECK(pool == NULL);

	/* All or nothing: the third allocation fails, the first two are freed. */
	f.fail_at = 3;
	f.fail_err = -ENOSPC;
	CHECK_EQ(p2pbuf_pool_create(prov, 4, 4096, 0, &pool), -ENOSPC);
	CHECK(pool == NULL);
	CHECK_EQ(count_fds(), fds_before);
	f.fail_at = 0;

	CHECK_EQ(p2pbuf_pool_create(prov, 3, 8192, 0, &pool), 0);
	if (!pool)
		return T_FAIL;
	CHECK_EQ(count_fds(), fds_before + 3);
	CHECK_EQ(p2pbuf_pool_count(pool), 3);
	CHECK_EQ(p2pbuf_pool_available(pool), 3);
	CHECK(p2pbuf_pool_buffer(pool, 3) == NULL);
	for (i = 0; i < 3; i++) {
		b = p2pbuf_pool_buffer(pool, (unsigned int)i);
		CHECK(b != NULL);
		CHECK_EQ(p2pbuf_buffer_size(b), 8192);
		CHECK_EQ(p2pbuf_pool_index(pool, b), i);
	}

	/* Acquire in order, then -EAGAIN. */
	CHECK_EQ(p2pbuf_pool_acquire(pool, &b0), 0);
	CHECK(b0 == p2pbuf_pool_buffer(pool, 0));
	CHECK_EQ(p2pbuf_pool_acquire(pool, &b), 1);
	CHECK_EQ(p2pbuf_pool_acquire(pool, &b), 2);
	CHECK_EQ(p2pbuf_pool_available(pool), 0);
	b = (void *)1;
	CHECK_EQ(p2pbuf_pool_acquire(pool, &b), -EAGAIN);
	CHECK(b == (void *)1);

	/* Release order is reuse order (least recently released first). */
	CHECK_EQ(p2pbuf_pool_release(pool, 1), 0);
	CHECK_EQ(p2pbuf_pool_release(pool, 0), 0);
	CHECK_EQ(p2pbuf_pool_release(pool, 0), -EALREADY);
	CHECK_EQ(p2pbuf_pool_release(pool, 3), -EINVAL);
	CHECK_EQ(p2pbuf_pool_available(pool), 2);
	CHECK_EQ(p2pbuf_pool_acquire(pool, NULL), 1);
	CHECK_EQ(p2pbuf_pool_release(pool, 2), 0);
	CHECK_EQ(p2pbuf_pool_acquire(pool, NULL), 0);
	CHECK_EQ(p2pbuf_pool_acquire(pool, NULL), 2);
	CHECK_EQ(p2pbuf_pool_acquire(pool, NULL), -EAGAIN);
	for (i = 0; i < 3; i++)
		CHECK_EQ(p2pbuf_pool_release(pool, (unsigned int)i), 0);

	/* A stray free of a pool buffer must not close the pool's fd. */
	b = p2pbuf_pool_buffer(pool, 0);
	p2pbuf_buffer_free(b);
	CHECK(fcntl(p2pbuf_buffer_fd(b), F_GETFD) >= 0);

	/* Foreign buffer. */
	{
		struct p2pbuf_buffer *own;

		CHECK_EQ(p2pbuf_alloc(prov, 100, 0, &own), 0);
		CHECK_EQ(p2pbuf_pool_index(pool, own), -EINVAL);
		p2pbuf_buffer_free(own);
	}

	/* Concurrent acquire/release keeps the books straight. */
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, pool);
	for (i = 0; i < THREADS; i++) {
		void *bad;

		pthread_join(th[i], &bad);
		CHECK(bad == NULL);
	}
	CHECK_EQ(p2pbuf_pool_available(pool), 3);
	idx = p2pbuf_pool_acquire(pool, NULL);
	CHECK(idx >= 0 && idx < 3);

	p2pbuf_pool_destroy(pool);
	CHECK_EQ(count_fds(), fds_before);
	p2pbuf_pool_destroy(NULL);
	p2pbuf_provider_close(prov);
	return T_RESULT();
}
