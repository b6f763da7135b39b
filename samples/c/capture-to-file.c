// SPDX-License-Identifier: MIT
/*
 * Capture into PCIe device memory while a writer thread stores each frame
 * in a file with libp2pbuf's direct I/O: the storage controller reads the
 * frame from device memory (peer to peer where the kernel reports a route,
 * else through a RAM bounce buffer, and the program says which).
 *
 *   p2pbuf-sample-capture-to-file DEVICE PROVIDER FRAMES FILE
 *
 * The capture thread dequeues frames and hands their buffer index to the
 * writer; the writer writes and hands the index back; the capture thread
 * queues it to the driver again. Frames the driver dropped while every
 * buffer was waiting for the writer are counted and shown.
 * Build: cc capture-to-file.c $(pkg-config --cflags --libs libp2pbuf) -pthread
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <p2pbuf/p2pbuf.h>

#define NBUF 8

/* A queue of buffer indexes between the two threads. */
struct fifo {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int idx[NBUF + 1];
	unsigned int head, tail;
};

static void fifo_put(struct fifo *q, int i)
{
	pthread_mutex_lock(&q->lock);
	q->idx[q->tail++ % (NBUF + 1)] = i;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* The next index; with @wait = 0, -1 when there is none. */
static int fifo_get(struct fifo *q, int wait)
{
	int i = -1;

	pthread_mutex_lock(&q->lock);
	while (wait && q->head == q->tail)
		pthread_cond_wait(&q->cond, &q->lock);
	if (q->head != q->tail)
		i = q->idx[q->head++ % (NBUF + 1)];
	pthread_mutex_unlock(&q->lock);
	return i;
}

static struct fifo to_writer = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0 };
static struct fifo to_capture = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0 };
static struct p2pbuf_stream *stream;
static struct p2pbuf_io *io;
static uint32_t frame_size;
static atomic_int write_error;	/* set by the writer, read by both */

/* Writes frame after frame at consecutive offsets; index -1 ends it. */
static void *writer(void *arg)
{
	uint64_t off = 0;
	int i;

	(void)arg;
	while ((i = fifo_get(&to_writer, 1)) >= 0) {
		struct p2pbuf_io_result r;
		int ret = write_error ? 0 :
			  p2pbuf_io_write(io, p2pbuf_stream_buffer(stream, i, 0), 0, frame_size,
					  off, &r);

		if (ret) {
			fprintf(stderr, "capture-to-file: writing at %llu: %s\n",
				(unsigned long long)off, p2pbuf_io_error(io));
			write_error = ret;
		} else if (!write_error) {
			if (!off)
				printf("writing with path %s\n", p2pbuf_io_path_name(r.path));
			off += frame_size;
		}
		fifo_put(&to_capture, i);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_stream_stats st;
	struct p2pbuf_format fmt;
	struct p2pbuf_frame f;
	pthread_t thread;
	long frames, n;
	int ret, i;

	if (argc != 5 || (frames = strtol(argv[3], NULL, 0)) <= 0) {
		fprintf(stderr, "usage: %s DEVICE PROVIDER FRAMES FILE\n", argv[0]);
		return 2;
	}
	ret = p2pbuf_provider_open(argv[2], &prov);
	if (!ret)
		ret = p2pbuf_stream_open(argv[1], 0, &stream);
	if (!ret)
		ret = p2pbuf_stream_get_format(stream, &fmt);
	if (!ret)
		ret = p2pbuf_stream_setup(stream, prov, NBUF, 0);
	if (ret) {
		fprintf(stderr, "capture-to-file: cannot capture from %s into %s: %s (%s)\n",
			argv[1], argv[2], stream ? p2pbuf_stream_error(stream) : "",
			p2pbuf_error_hint(ret, "stream"));
		return 1;
	}
	frame_size = fmt.sizeimage[0];
	/* Direct I/O: the frame size must be a multiple of the file system's
	 * alignment (4096 here; 1280x720 YUYV is), else the write says so. */
	ret = p2pbuf_io_open(argv[4], P2PBUF_IO_WRITE | P2PBUF_IO_CREATE | P2PBUF_IO_TRUNCATE |
			     P2PBUF_IO_BOUNCE_FALLBACK | P2PBUF_IO_SYNC, &io);
	if (ret) {
		fprintf(stderr, "capture-to-file: cannot open %s: %s\n", argv[4],
			p2pbuf_error_hint(ret, "io"));
		return 1;
	}
	pthread_create(&thread, NULL, writer, NULL);
	ret = p2pbuf_stream_start(stream);
	for (n = 0; !ret && n < frames && !write_error; n++) {
		/* buffers the writer is done with go back to the driver */
		while ((i = fifo_get(&to_capture, 0)) >= 0 && !ret)
			ret = p2pbuf_stream_queue(stream, i);
		if (!ret)
			ret = p2pbuf_stream_dequeue(stream, &f, 2000);
		if (ret == -EPIPE) {	/* every buffer is with the writer: wait */
			ret = p2pbuf_stream_queue(stream, fifo_get(&to_capture, 1));
			n--;
			continue;
		}
		if (ret)
			break;
		printf("frame %ld: sequence %u, %u bytes%s\n", n, f.sequence, f.bytesused[0],
		       f.dropped ? " (frames dropped before it)" : "");
		fifo_put(&to_writer, (int)f.index);
	}
	if (ret)
		fprintf(stderr, "capture-to-file: capture stopped: %s (%s)\n",
			p2pbuf_stream_error(stream), p2pbuf_error_hint(ret, "stream"));
	fifo_put(&to_writer, -1);
	pthread_join(thread, NULL);
	p2pbuf_stream_stats(stream, &st);
	if (p2pbuf_io_close(io) && !write_error)
		write_error = -1;
	printf("%llu frames captured, %llu dropped by the driver, %ld written to %s%s\n",
	       (unsigned long long)st.frames, (unsigned long long)st.dropped,
	       write_error ? 0 : n, argv[4], write_error ? ": WRITE FAILED" : "");
	p2pbuf_stream_close(stream);
	p2pbuf_provider_close(prov);
	return ret || write_error ? 1 : 0;
}
