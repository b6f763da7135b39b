/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File I/O between files and device memory, for p2psink (writer) and
 * p2psrc (reader).
 *
 * The seam exists so the elements do not care how the bytes move. Today the
 * one implementation is the portable one: pwrite()/pread() through the
 * buffer's CPU mapping (p2pbuf_buffer_map), which works for every provider
 * but bounces through the CPU. When libp2pbuf gains its storage API
 * (O_DIRECT / io_uring straight between the file and the dma-buf), it
 * becomes a second implementation here, chosen at open time, and
 * gst_p2p_writer_path() / gst_p2p_reader_path() report "o-direct".
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

/* Create or truncate @location. NULL and *err = -errno on failure. */
GstP2pWriter *gst_p2p_writer_open (const gchar * location, gint * err);

/* "pwrite" or "o-direct". Static string. */
const gchar *gst_p2p_writer_path (GstP2pWriter * writer);

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

/* Open @location for reading. NULL and *err = -errno on failure. */
GstP2pReader *gst_p2p_reader_open (const gchar * location, gint * err);

/* "read" or "o-direct". Static string. */
const gchar *gst_p2p_reader_path (GstP2pReader * reader);

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

/* Close and free. NULL is a no-op. */
void gst_p2p_reader_close (GstP2pReader * reader);

G_END_DECLS

#endif /* __GST_P2P_IO_H__ */
