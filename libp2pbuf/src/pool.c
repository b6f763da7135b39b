// SPDX-License-Identifier: LGPL-2.1-or-later
/* Pools: a fixed set of equal buffers handed out FIFO. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "private.h"

#define POOL_MAX_BUFFERS	1024

struct p2pbuf_pool {
	pthread_mutex_t lock;
	unsigned int count;
	struct p2pbuf_buffer **bufs;
	bool *taken;
	/* Free indices, oldest release first: ring of @count slots. */
	unsigned int *ring;
	unsigned int head;	/* next to hand out */
	unsigned int avail;
};

static void pool_free(struct p2pbuf_pool *pool)
{
	unsigned int i;

	if (pool->bufs) {
		for (i = 0; i < pool->count; i++)
			p2pbuf__buffer_destroy(pool->bufs[i]);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool->bufs);
	free(pool->taken);
	free(pool->ring);
	free(pool);
}

int p2pbuf_pool_create(struct p2pbuf_provider *prov, unsigned int count,
		       uint64_t size, uint32_t flags, struct p2pbuf_pool **out)
{
	struct p2pbuf_pool *pool;
	unsigned int i;
	int ret;

	if (!prov || !out || count == 0 || count > POOL_MAX_BUFFERS || size == 0 || flags)
		return -EINVAL;
	*out = NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pool->count = count;
	pool->bufs = calloc(count, sizeof(*pool->bufs));
	pool->taken = calloc(count, sizeof(*pool->taken));
	pool->ring = calloc(count, sizeof(*pool->ring));
	if (!pool->bufs || !pool->taken || !pool->ring) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < count; i++) {
		ret = p2pbuf_alloc(prov, size, 0, &pool->bufs[i]);
		if (ret)
			goto err;
		pool->bufs[i]->owned = true;
		pool->ring[i] = i;
	}
	pool->head = 0;
	pool->avail = count;
	*out = pool;
	return 0;
err:
	pool_free(pool);
	return ret;
}

void p2pbuf_pool_destroy(struct p2pbuf_pool *pool)
{
	if (pool)
		pool_free(pool);
}

int p2pbuf_pool_acquire(struct p2pbuf_pool *pool, struct p2pbuf_buffer **buf)
{
	unsigned int idx;

	if (!pool)
		return -EINVAL;
	pthread_mutex_lock(&pool->lock);
	if (pool->avail == 0) {
		pthread_mutex_unlock(&pool->lock);
		return -EAGAIN;
	}
	idx = pool->ring[pool->head];
	pool->head = (pool->head + 1) % pool->count;
	pool->avail--;
	pool->taken[idx] = true;
	pthread_mutex_unlock(&pool->lock);
	if (buf)
		*buf = pool->bufs[idx];
	return (int)idx;
}

int p2pbuf_pool_release(struct p2pbuf_pool *pool, unsigned int index)
{
	if (!pool || index >= pool->count)
		return -EINVAL;
	pthread_mutex_lock(&pool->lock);
	if (!pool->taken[index]) {
		pthread_mutex_unlock(&pool->lock);
		return -EALREADY;
	}
	pool->taken[index] = false;
	pool->ring[(pool->head + pool->avail) % pool->count] = index;
	pool->avail++;
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

struct p2pbuf_buffer *p2pbuf_pool_buffer(const struct p2pbuf_pool *pool,
					 unsigned int index)
{
	if (!pool || index >= pool->count)
		return NULL;
	return pool->bufs[index];
}

int p2pbuf_pool_index(const struct p2pbuf_pool *pool,
		      const struct p2pbuf_buffer *buf)
{
	unsigned int i;

	if (!pool || !buf)
		return -EINVAL;
	for (i = 0; i < pool->count; i++) {
		if (pool->bufs[i] == buf)
			return (int)i;
	}
	return -EINVAL;
}

unsigned int p2pbuf_pool_count(const struct p2pbuf_pool *pool)
{
	return pool->count;
}

unsigned int p2pbuf_pool_available(struct p2pbuf_pool *pool)
{
	unsigned int n;

	pthread_mutex_lock(&pool->lock);
	n = pool->avail;
	pthread_mutex_unlock(&pool->lock);
	return n;
}
