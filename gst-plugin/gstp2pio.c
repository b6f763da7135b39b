/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pwrite()/pread() implementation of the I/O seam, see gstp2pio.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gstp2pio.h"

struct _GstP2pWriter
{
  gint fd;
  gboolean regular;             /* fsync only means something for files */
  gboolean seekable;            /* pwrite; write() for pipes */
  guint64 position;
};

struct _GstP2pReader
{
  gint fd;
  gboolean seekable;
  guint64 position;
};

static gboolean
fd_is_regular (gint fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
}

GstP2pWriter *
gst_p2p_writer_open (const gchar * location, gint * err)
{
  GstP2pWriter *writer;
  gint fd;

  fd = open (location, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    *err = -errno;
    return NULL;
  }
  writer = g_new0 (GstP2pWriter, 1);
  writer->fd = fd;
  writer->regular = fd_is_regular (fd);
  writer->seekable = lseek (fd, 0, SEEK_CUR) >= 0;
  *err = 0;
  return writer;
}

const gchar *
gst_p2p_writer_path (GstP2pWriter * writer G_GNUC_UNUSED)
{
  return "pwrite";
}

gssize
gst_p2p_writer_write (GstP2pWriter * writer, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  const guint8 *data;
  void *addr;
  gsize done = 0;
  gint ret;

  ret = p2pbuf_buffer_map (buf, P2PBUF_MAP_READ, &addr);
  if (ret < 0)
    return ret;
  data = (const guint8 *) addr + offset;
  while (done < size) {
    gssize n;

    if (writer->seekable)
      n = pwrite (writer->fd, data + done, size - done,
          (off_t) (writer->position + done));
    else
      n = write (writer->fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ret = -errno;
      break;
    }
    if (n == 0)
      break;
    done += n;
  }
  p2pbuf_buffer_unmap (buf);
  writer->position += done;
  /* Bytes that made it count: the caller reports a short write. */
  if (done == 0 && ret < 0)
    return ret;
  return done;
}

guint64
gst_p2p_writer_position (GstP2pWriter * writer)
{
  return writer->position;
}

gint
gst_p2p_writer_sync (GstP2pWriter * writer)
{
  if (writer->regular && fsync (writer->fd) < 0)
    return -errno;
  return 0;
}

gint
gst_p2p_writer_close (GstP2pWriter * writer)
{
  gint ret;

  if (!writer)
    return 0;
  ret = gst_p2p_writer_sync (writer);
  if (close (writer->fd) < 0 && ret == 0)
    ret = -errno;
  g_free (writer);
  return ret;
}

GstP2pReader *
gst_p2p_reader_open (const gchar * location, gint * err)
{
  GstP2pReader *reader;
  gint fd;

  fd = open (location, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = -errno;
    return NULL;
  }
  reader = g_new0 (GstP2pReader, 1);
  reader->fd = fd;
  reader->seekable = lseek (fd, 0, SEEK_CUR) >= 0;
  *err = 0;
  return reader;
}

const gchar *
gst_p2p_reader_path (GstP2pReader * reader G_GNUC_UNUSED)
{
  return "read";
}

gssize
gst_p2p_reader_read (GstP2pReader * reader, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  guint8 *data;
  void *addr;
  gsize done = 0;
  gint ret;

  ret = p2pbuf_buffer_map (buf, P2PBUF_MAP_WRITE, &addr);
  if (ret < 0)
    return ret;
  data = (guint8 *) addr + offset;
  while (done < size) {
    gssize n;

    if (reader->seekable)
      n = pread (reader->fd, data + done, size - done,
          (off_t) (reader->position + done));
    else
      n = read (reader->fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ret = -errno;
      break;
    }
    if (n == 0)
      break;
    done += n;
  }
  p2pbuf_buffer_unmap (buf);
  reader->position += done;
  if (ret < 0)
    return ret;
  return done;
}

guint64
gst_p2p_reader_position (GstP2pReader * reader)
{
  return reader->position;
}

void
gst_p2p_reader_rewind (GstP2pReader * reader)
{
  /* pread() takes the position: nothing to seek. A pipe cannot rewind:
   * its next read reports the end again. */
  reader->position = 0;
}

void
gst_p2p_reader_close (GstP2pReader * reader)
{
  if (!reader)
    return;
  close (reader->fd);
  g_free (reader);
}
