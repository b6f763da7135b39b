/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two implementations of the I/O seam, see gstp2pio.h: O_DIRECT
 * through libp2pbuf's storage API (p2pbuf_io_*) for dma-buf providers, and
 * pwrite()/pread() through the buffer's CPU mapping for the memfd test
 * provider and for ranges that direct I/O cannot take (not a multiple of
 * the alignment).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gstp2pio.h"

/* Bits of the paths taken, for the reported path. */
enum
{
  USED_DIRECT = 1 << 0,         /* p2pbuf_io: "p2p" or "host" */
  USED_BOUNCE = 1 << 1,         /* p2pbuf_io: "bounce" */
  USED_MAPPED = 1 << 2,         /* pwrite/pread through the mapping */
};

struct _GstP2pWriter
{
  gchar *location;
  gint fd;                      /* buffered fd, -1 until needed (direct) */
  struct p2pbuf_io *io;         /* NULL: the pwrite implementation */
  guint align;
  gboolean regular;             /* fsync only means something for files */
  gboolean seekable;            /* pwrite; write() for pipes */
  gboolean pad;                 /* zeros up to the alignment after writes */
  guint64 position;
  guint64 padding;              /* zero bytes written by @pad */
  guint used;
  guint32 io_path;              /* enum p2pbuf_io_path of the last write */
  gchar *note;                  /* why a direct writer used pwrite, once */
  gboolean noted;
  gchar *error;
};

struct _GstP2pReader
{
  gchar *location;
  gint fd;                      /* buffered fd, -1 until needed (direct) */
  struct p2pbuf_io *io;         /* NULL: the pread implementation */
  guint align;
  guint64 size;                 /* of the file at open (direct) */
  gboolean seekable;
  guint64 position;
  guint used;
  guint32 io_path;
  gchar *error;
};

static gboolean
fd_is_regular (gint fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
}

static const gchar *
used_name (guint used, const gchar * mapped)
{
  /* Static strings: the elements keep the pointer. */
  static const gchar *const write_names[] = {
    NULL, "o-direct", "bounce", "o-direct|bounce", "pwrite",
    "o-direct|pwrite", "bounce|pwrite", "o-direct|bounce|pwrite",
  };
  static const gchar *const read_names[] = {
    NULL, "o-direct", "bounce", "o-direct|bounce", "read",
    "o-direct|read", "bounce|read", "o-direct|bounce|read",
  };

  return (mapped[0] == 'p' ? write_names : read_names)[used & 7];
}

static guint
used_bit (guint32 io_path)
{
  return io_path == P2PBUF_IO_PATH_BOUNCE ? USED_BOUNCE : USED_DIRECT;
}

static gint
open_direct (const gchar * location, guint32 flags, gboolean bounce,
    struct p2pbuf_io **io, guint * align, guint64 * size, gchar ** error)
{
  struct p2pbuf_io_stats st;
  gint ret;

  if (bounce)
    flags |= P2PBUF_IO_BOUNCE_FALLBACK;
  ret = p2pbuf_io_open (location, flags, io);
  if (ret == -EINVAL && !bounce) {
    g_free (*error);
    *error = g_strdup ("the file system has no O_DIRECT (tmpfs before 6.6, "
        "9p, FUSE?): write to a local file system or a block device, or "
        "set bounce=true");
  }
  if (ret < 0)
    return ret;
  p2pbuf_io_stats (*io, &st);
  *align = st.align ? st.align : 4096;
  if (size)
    *size = st.size;
  return 0;
}

GstP2pWriter *
gst_p2p_writer_open (const gchar * location, gboolean direct,
    gboolean bounce, gboolean pad, gint * err, gchar ** error)
{
  GstP2pWriter *writer;
  gint fd = -1;

  *error = NULL;
  writer = g_new0 (GstP2pWriter, 1);
  writer->location = g_strdup (location);
  writer->fd = -1;
  writer->pad = pad;
  writer->align = GST_P2P_WRITER_PAD_ALIGN;
  /* O_DIRECT for regular files and block devices; pipes and character
   * devices take pwrite()/write(). */
  if (direct) {
    struct stat st;

    if (stat (location, &st) == 0 && !S_ISREG (st.st_mode) &&
        !S_ISBLK (st.st_mode))
      direct = FALSE;
  }
  if (direct) {
    *err = open_direct (location, P2PBUF_IO_WRITE | P2PBUF_IO_CREATE |
        P2PBUF_IO_TRUNCATE | (pad ? P2PBUF_IO_PAD : 0), bounce, &writer->io,
        &writer->align, NULL, error);
    if (*err < 0)
      goto fail;
    writer->regular = fd_is_regular (p2pbuf_io_fd (writer->io));
    writer->seekable = TRUE;
  } else {
    fd = open (location, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
      *err = -errno;
      goto fail;
    }
    writer->fd = fd;
    writer->regular = fd_is_regular (fd);
    writer->seekable = lseek (fd, 0, SEEK_CUR) >= 0;
  }
  *err = 0;
  return writer;

fail:
  g_free (writer->location);
  g_free (writer);
  return NULL;
}

const gchar *
gst_p2p_writer_path (GstP2pWriter * writer)
{
  if (writer->used)
    return used_name (writer->used, "pwrite");
  return writer->io ? "o-direct" : "pwrite";
}

const gchar *
gst_p2p_writer_io_path (GstP2pWriter * writer)
{
  if (!writer->io)
    return "none";
  return p2pbuf_io_path_name (writer->io_path);
}

const gchar *
gst_p2p_writer_error (GstP2pWriter * writer)
{
  return writer->error ? writer->error : "";
}

gchar *
gst_p2p_writer_take_note (GstP2pWriter * writer)
{
  return g_steal_pointer (&writer->note);
}

static gssize
write_mapped (GstP2pWriter * writer, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  const guint8 *data;
  void *addr;
  gsize done = 0;
  gint ret;

  if (writer->fd < 0) {
    /* A direct writer's first unaligned frame: the file exists. */
    writer->fd = open (writer->location, O_WRONLY | O_CLOEXEC);
    if (writer->fd < 0)
      return -errno;
  }
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
  writer->used |= USED_MAPPED;
  /* Bytes that made it count: the caller reports a short write. */
  if (done == 0 && ret < 0)
    return ret;
  return done;
}

/* @pad: zeros after a frame written through the mapping, up to the
 * alignment. 0 or -errno. */
static gint
pad_mapped (GstP2pWriter * writer)
{
  static const guint8 zeros[512];
  guint64 end = writer->position + (writer->align - 1);

  end -= end % writer->align;
  while (writer->position < end) {
    gsize len = MIN (sizeof (zeros), end - writer->position);
    gssize n;

    if (writer->seekable)
      n = pwrite (writer->fd, zeros, len, (off_t) writer->position);
    else
      n = write (writer->fd, zeros, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return -ENOSPC;
    writer->position += n;
    writer->padding += n;
  }
  return 0;
}

gssize
gst_p2p_writer_write (GstP2pWriter * writer, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  struct p2pbuf_io_result r = { 0 };
  gssize n;
  gint ret;

  g_clear_pointer (&writer->error, g_free);
  if (!writer->io) {
    n = write_mapped (writer, buf, offset, size);
    if (n == (gssize) size && writer->pad && (ret = pad_mapped (writer)) < 0)
      return ret;
    return n;
  }

  /* With @pad the length may be anything: P2PBUF_IO_PAD completes the
   * last block with zeros. */
  if ((size % writer->align && !writer->pad) || offset % writer->align ||
      writer->position % writer->align) {
    if (!writer->noted) {
      writer->noted = TRUE;
      writer->note = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes at buffer "
          "offset %" G_GSIZE_FORMAT ", file offset %" G_GUINT64_FORMAT
          ": not a multiple of the direct I/O alignment %u of \"%s\": "
          "written with pwrite() through the CPU mapping", size, offset,
          writer->position, writer->align, writer->location);
    }
    n = write_mapped (writer, buf, offset, size);
    if (n == (gssize) size && writer->pad && (ret = pad_mapped (writer)) < 0)
      return ret;
    return n;
  }

  ret = p2pbuf_io_write (writer->io, buf, offset, size, writer->position, &r);
  writer->position += r.bytes;
  if (ret == 0 && r.padded) {
    writer->position += r.padded;
    writer->padding += r.padded;
  }
  if (r.path != P2PBUF_IO_PATH_NONE) {
    writer->io_path = r.path;
    writer->used |= used_bit (r.path);
  }
  if (ret < 0) {
    writer->error = g_strdup (p2pbuf_io_error (writer->io));
    if (r.bytes > 0)
      return r.bytes;
    return ret;
  }
  return size;
}

guint64
gst_p2p_writer_padding (GstP2pWriter * writer)
{
  return writer->padding;
}

guint64
gst_p2p_writer_position (GstP2pWriter * writer)
{
  return writer->position;
}

gint
gst_p2p_writer_sync (GstP2pWriter * writer)
{
  if (writer->fd >= 0 && writer->regular && fsync (writer->fd) < 0)
    return -errno;
  if (writer->io)
    return p2pbuf_io_sync (writer->io);
  return 0;
}

gint
gst_p2p_writer_close (GstP2pWriter * writer)
{
  gint ret, err;

  if (!writer)
    return 0;
  ret = gst_p2p_writer_sync (writer);
  if (writer->fd >= 0 && close (writer->fd) < 0 && ret == 0)
    ret = -errno;
  err = p2pbuf_io_close (writer->io);
  if (ret == 0)
    ret = err;
  g_free (writer->location);
  g_free (writer->note);
  g_free (writer->error);
  g_free (writer);
  return ret;
}

GstP2pReader *
gst_p2p_reader_open (const gchar * location, gboolean direct,
    gboolean bounce, gint * err, gchar ** error)
{
  GstP2pReader *reader;
  gint fd;

  *error = NULL;
  reader = g_new0 (GstP2pReader, 1);
  reader->location = g_strdup (location);
  reader->fd = -1;
  /* O_DIRECT for regular files and block devices; pipes read through
   * the mapping. */
  if (direct) {
    struct stat st;

    if (stat (location, &st) == 0 && !S_ISREG (st.st_mode) &&
        !S_ISBLK (st.st_mode))
      direct = FALSE;
  }
  if (direct) {
    *err = open_direct (location, P2PBUF_IO_READ, bounce, &reader->io,
        &reader->align, &reader->size, error);
    if (*err < 0)
      goto fail;
    reader->seekable = TRUE;
  } else {
    fd = open (location, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *err = -errno;
      goto fail;
    }
    reader->fd = fd;
    reader->seekable = lseek (fd, 0, SEEK_CUR) >= 0;
  }
  *err = 0;
  return reader;

fail:
  g_free (reader->location);
  g_free (reader);
  return NULL;
}

const gchar *
gst_p2p_reader_path (GstP2pReader * reader)
{
  if (reader->used)
    return used_name (reader->used, "read");
  return reader->io ? "o-direct" : "read";
}

const gchar *
gst_p2p_reader_io_path (GstP2pReader * reader)
{
  if (!reader->io)
    return "none";
  return p2pbuf_io_path_name (reader->io_path);
}

const gchar *
gst_p2p_reader_error (GstP2pReader * reader)
{
  return reader->error ? reader->error : "";
}

static gssize
read_mapped (GstP2pReader * reader, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  guint8 *data;
  void *addr;
  gsize done = 0;
  gint ret;

  if (reader->fd < 0) {
    reader->fd = open (reader->location, O_RDONLY | O_CLOEXEC);
    if (reader->fd < 0)
      return -errno;
  }
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
  if (done > 0)
    reader->used |= USED_MAPPED;
  if (ret < 0)
    return ret;
  return done;
}

gssize
gst_p2p_reader_read (GstP2pReader * reader, struct p2pbuf_buffer *buf,
    gsize offset, gsize size)
{
  struct p2pbuf_io_result r = { 0 };
  gint ret;

  g_clear_pointer (&reader->error, g_free);
  if (!reader->io)
    return read_mapped (reader, buf, offset, size);
  if (reader->position >= reader->size)
    return 0;
  /* The tail of the file, or a range direct I/O cannot take. */
  if (reader->position + size > reader->size || size % reader->align ||
      offset % reader->align || reader->position % reader->align)
    return read_mapped (reader, buf, offset, size);

  ret = p2pbuf_io_read (reader->io, buf, offset, size, reader->position, &r);
  if (r.path != P2PBUF_IO_PATH_NONE) {
    reader->io_path = r.path;
    reader->used |= used_bit (r.path);
  }
  if (ret < 0) {
    reader->error = g_strdup (p2pbuf_io_error (reader->io));
    return ret;
  }
  reader->position += size;
  return size;
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
gst_p2p_reader_seek (GstP2pReader * reader, guint64 position)
{
  /* pread() and p2pbuf_io_read() take the position: nothing to seek. */
  reader->position = position;
}

gboolean
gst_p2p_reader_seekable (GstP2pReader * reader)
{
  return reader->seekable;
}

gint64
gst_p2p_reader_size (GstP2pReader * reader)
{
  struct stat st;

  if (reader->io)
    return (gint64) reader->size;
  if (!reader->seekable || fstat (reader->fd, &st) < 0 ||
      !S_ISREG (st.st_mode))
    return -1;
  return st.st_size;
}

void
gst_p2p_reader_close (GstP2pReader * reader)
{
  if (!reader)
    return;
  if (reader->fd >= 0)
    close (reader->fd);
  p2pbuf_io_close (reader->io);
  g_free (reader->location);
  g_free (reader->error);
  g_free (reader);
}
