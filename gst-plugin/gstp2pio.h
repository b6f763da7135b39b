/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File I/O between files and device memory, for p2psink (writer) and
 * p2psrc (reader).
 *
 * The seam exists so the elements do not care how the bytes move. Two
 * implementations, chosen at open time by @direct:
 * - direct (dma-buf providers): libp2pbuf's storage API, O_DIRECT through
 *   io_uring straight between the file and the buffer ("o-direct"; for
 *   device memory the storage controller DMAs to/from the BAR). Where the
 *   kernel reports no checked peer-to-peer route the write/read fails with
 *   -EREMOTEIO and gst_p2p_writer_error() says why, unless @bounce lets
 *   the library copy through system RAM ("bounce"). Ranges that are not a
 *   multiple of the direct I/O alignment (frame size, buffer offset, file
 *   offset) go through the CPU mapping instead ("pwrite"/"read"), once
 *   noted (gst_p2p_writer_take_note()).
 * - not direct (the memfd test provider, not a dma-buf): pwrite()/pread()
 *   through the buffer's CPU mapping (p2pbuf_buffer_map): "pwrite"/"read".
 * Pipes and character devices always take the second.
 *
 * Callers hold gst_p2p_memory_lock() around read/write: the functions map
 * and unmap @buf themselves.
 */
#ifndef __GST_P2P_IO_H__
#define __GST_P2P_IO_H__

#include <glib.h>
#include <p2pbuf/p2pbuf.h>

G_BEGIN_DECLS

typedef struct _GstP2pWriter GstP2pWriter;
typedef struct _GstP2pReader GstP2pReader;

/*
 * Create or truncate @location. NULL and *err = -errno on failure; then
 * *error may hold a reason to show (g_free it).
 *
 * @pad: every write ends with zeros up to the direct I/O alignment
 * (P2PBUF_IO_PAD), so that unaligned frame sizes keep O_DIRECT; the
 * writer without direct I/O pads the same way, to
 * GST_P2P_WRITER_PAD_ALIGN, so the file looks the same.
 */
GstP2pWriter *gst_p2p_writer_open (const gchar * location, gboolean direct,
    gboolean bounce, gboolean pad, gint * err, gchar ** error);

/* What a writer without direct I/O pads frames to. */
#define GST_P2P_WRITER_PAD_ALIGN 4096

/* Zero bytes written after frames so far (@pad). */
guint64 gst_p2p_writer_padding (GstP2pWriter * writer);

/*
 * How the frames went: "o-direct", "bounce" or "pwrite", several joined
 * by '|' when they differed. Before the first write: the plan ("o-direct"
 * or "pwrite"). Static string.
 */
const gchar *gst_p2p_writer_path (GstP2pWriter * writer);

/* libp2pbuf's path of the last direct write: "p2p", "host", "bounce";
 * "none" (nothing written directly yet, or not direct). Static string. */
const gchar *gst_p2p_writer_io_path (GstP2pWriter * writer);

/* Reason of the last failed write ("" if none). Valid until the next. */
const gchar *gst_p2p_writer_error (GstP2pWriter * writer);

/* Once per writer: why a direct writer used pwrite (g_free), else NULL. */
gchar *gst_p2p_writer_take_note (GstP2pWriter * writer);

/*
 * Append bytes [@offset, @offset + @size) of @buf to the file.
 * Returns the bytes written: fewer than @size only when the file system
 * took no more (a short write: the caller reports it); -errno on failure
 * with nothing written.
 */
gssize gst_p2p_writer_write (GstP2pWriter * writer, struct p2pbuf_buffer *buf,
    gsize offset, gsize size);

/* Bytes written so far. */
guint64 gst_p2p_writer_position (GstP2pWriter * writer);

/* Make what was written durable (fsync for regular files). 0 or -errno. */
gint gst_p2p_writer_sync (GstP2pWriter * writer);

/* Sync, close and free. 0 or the first -errno. NULL is a no-op. */
gint gst_p2p_writer_close (GstP2pWriter * writer);

/* Open @location for reading; errors as gst_p2p_writer_open(). */
GstP2pReader *gst_p2p_reader_open (const gchar * location, gboolean direct,
    gboolean bounce, gint * err, gchar ** error);

/* "o-direct", "bounce" or "read" (joined by '|'), as the writer's. */
const gchar *gst_p2p_reader_path (GstP2pReader * reader);

/* As gst_p2p_writer_io_path() and gst_p2p_writer_error(). */
const gchar *gst_p2p_reader_io_path (GstP2pReader * reader);
const gchar *gst_p2p_reader_error (GstP2pReader * reader);

/*
 * Read the next @size bytes of the file into [@offset, @offset + @size) of
 * @buf. Returns the bytes read: fewer than @size only at the end of the
 * file (0 at the end); -errno on failure.
 */
gssize gst_p2p_reader_read (GstP2pReader * reader, struct p2pbuf_buffer *buf,
    gsize offset, gsize size);

/* Position in the file of the next read. */
guint64 gst_p2p_reader_position (GstP2pReader * reader);

/* Start again at the beginning of the file. */
void gst_p2p_reader_rewind (GstP2pReader * reader);

/* The next read starts at @position (seekable readers only). */
void gst_p2p_reader_seek (GstP2pReader * reader, guint64 position);

/* Can the reader seek (a regular file or block device, not a pipe)? */
gboolean gst_p2p_reader_seekable (GstP2pReader * reader);

/* Size of the file in bytes, -1 if unknown (a pipe). */
gint64 gst_p2p_reader_size (GstP2pReader * reader);

/* Close and free. NULL is a no-op. */
void gst_p2p_reader_close (GstP2pReader * reader);

G_END_DECLS

#endif /* __GST_P2P_IO_H__ */
