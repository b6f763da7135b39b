# SPDX-License-Identifier: MIT
"""The deliberate faults tests/mutate.sh puts into a scratch copy of the tree.

Each mutation is one or more exact text replacements (file, old, new): the
old text must occur exactly once in the file, or applying the mutation fails
loudly (the code moved on and the mutation must be updated; it never turns
into a no-op); an anchor given as a compiled regular expression must match
exactly once. Each names the one VM group and check that must catch it
(kernel, topology, the run-group.py --only pattern) and a regular
expression that the failing check's diagnostics must contain, so that
"caught" means caught by the intended verification, not by any failure.

Frames are numbered as in the manifests (0-based "frame"); "dequeued" counts
every frame the library dequeued, the --stream-skip ones included.
"""

import os
import re

MUTATIONS = []


def mutation(name, what, kernel, topology, check, expect, edits, probe=False):
    """PROBE: a fault the checks are known not to catch (it shows a limit
    of what they can tell apart); run only when named with --only."""
    MUTATIONS.append(dict(name=name, what=what, kernel=kernel, topology=topology,
                          check=check, expect=expect, edits=edits, probe=probe))


# 1. The kernel's vmap (vivid's vb2-vmalloc importer writes frames through
# it) returns a zeroed RAM buffer instead of the BAR's kernel mapping; the
# buffer is freed at vunmap, so nothing leaks or crashes. The BAR keeps
# what allocation left there: zeros (new buffers are cleared, as from a
# dma-heap), not the poison; vivid_frames.describe() says "all zeros:
# nothing was written there".
mutation(
    "capture-writes-nothing",
    "kernel vmap gives the importer a kvzalloc'd RAM buffer, not the BAR",
    "stock", "switch", "capture-ivshmem", r"nothing was written there",
    [("kernel/dmabuf.c",
      "\tbuf->vmaps--;\n\tmutex_unlock(&buf->lock);\n\tp2pbuf_buffer_put_memory(buf);\n}\n",
      "\tbuf->vmaps--;\n\tmutex_unlock(&buf->lock);\n\tp2pbuf_buffer_put_memory(buf);\n"
      "\tkvfree(map->vaddr); /* MUTATION capture-writes-nothing */\n}\n"),
     ("kernel/dmabuf.c",
      "\tif (!ret)\n\t\tiosys_map_set_vaddr(map, buf->kaddr);\n\treturn ret;\n",
      "\tif (!ret) {\n"
      "\t\t/* MUTATION capture-writes-nothing: RAM, not the BAR */\n"
      "\t\tvoid *ram = kvzalloc(buf->size, GFP_KERNEL);\n"
      "\n"
      "\t\tif (!ram) {\n"
      "\t\t\tmutex_lock(&buf->lock);\n"
      "\t\t\tbuf->vmaps--;\n"
      "\t\t\tmutex_unlock(&buf->lock);\n"
      "\t\t\treturn -ENOMEM;\n"
      "\t\t}\n"
      "\t\tiosys_map_set_vaddr(map, ram);\n"
      "\t}\n"
      "\treturn ret;\n")])

# 2. The O_DIRECT writer copies every chunk through its RAM bounce buffers
# but still reports path p2p; the frames on disk are right, only QEMU's
# trace of the storage NVMe's DMA addresses (verify-dma.py) can tell.
mutation(
    "bounce-reported-as-p2p",
    "libp2pbuf io.c writes through the RAM bounce buffers, reports path p2p",
    "debug", "switch", "storage-ivshmem", r"host dma: FAILED",
    [("libp2pbuf/src/io.c",
      "\tif (path == P2PBUF_IO_PATH_BOUNCE && (ret = bounce_alloc(io))) {\n",
      "\tif ((ret = bounce_alloc(io))) { /* MUTATION bounce-reported-as-p2p */\n"),
     ("libp2pbuf/src/io.c",
      "\t\tx.path = path;\n",
      "\t\tx.path = P2PBUF_IO_PATH_BOUNCE; /* MUTATION: res.path still says p2p */\n")])

# 3. The library's stream requeues the 10th dequeued frame without handing
# it out and without counting it as dropped.
mutation(
    "frame-dropped",
    "libp2pbuf stream.c silently requeues the 10th dequeued frame",
    "stock", "switch", "capture-ivshmem", r"sequences missing before it, tool reported 0",
    [("libp2pbuf/src/stream.c",
      "int p2pbuf_stream_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,\n"
      "\t\t\t  int timeout_ms)\n{\n",
      "static int mutation_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,\n"
      "\t\t\t    int timeout_ms);\n"
      "\n"
      "/* MUTATION frame-dropped: the 10th dequeued frame goes back unseen */\n"
      "int p2pbuf_stream_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,\n"
      "\t\t\t  int timeout_ms)\n{\n"
      "\tstatic unsigned int mutation_n;\n"
      "\tint ret = mutation_dequeue(stream, frame, timeout_ms);\n"
      "\n"
      "\tif (ret == 0 && ++mutation_n == 10) {\n"
      "\t\tstream->stats.frames--;\n"
      "\t\tret = p2pbuf_stream_queue(stream, frame->index);\n"
      "\t\tif (ret == 0)\n"
      "\t\t\tret = mutation_dequeue(stream, frame, timeout_ms);\n"
      "\t}\n"
      "\treturn ret;\n"
      "}\n"
      "\n"
      "static int mutation_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,\n"
      "\t\t\t    int timeout_ms)\n{\n")])

# 4. p2pbuf-capture --stream-to writes frames 4 and 5 at each other's file
# offsets; the manifest records the right ones. Frame 4's slot (frame 5's
# bytes) passes as vivid running a step ahead; frame 5's slot goes back.
mutation(
    "frames-swapped",
    "p2pbuf-capture writes frames 4 and 5 at each other's file offsets",
    "stock", "switch", "storage-refused",
    r"frame [45] \(seq \d+\) at 0x[0-9a-f]+: the frame of sequence",
    [("tools/p2pbuf-capture.c",
      "\t\tret = p2pbuf_io_write(c->io, b, f->data_offset[p], len, c->out_off, &r);\n",
      "\t\t/* MUTATION frames-swapped: frames 4 and 5 trade places */\n"
      "\t\tret = p2pbuf_io_write(c->io, b, f->data_offset[p], len,\n"
      "\t\t\t\t      c->frames == 4 ? c->out_off + len :\n"
      "\t\t\t\t      c->frames == 5 ? c->out_off - len : c->out_off, &r);\n")])

# 5. p2pbuf-capture --stream-to writes zeros over frame 7 (after the real
# write, through its own O_DIRECT descriptor); everything is reported as
# usual.
mutation(
    "frame-zeroed",
    "p2pbuf-capture writes zeros instead of frame 7's bytes",
    "stock", "switch", "storage-refused", r"frame 7 \(seq \d+\) at 0x[0-9a-f]+: all zeros",
    [("tools/p2pbuf-capture.c",
      "\t\tc->io_paths |= 1U << r.path;\n",
      "\t\tif (c->frames == 7) { /* MUTATION frame-zeroed */\n"
      "\t\t\tint zfd = open(c->o->stream_to, O_WRONLY | O_DIRECT | O_CLOEXEC);\n"
      "\t\t\tvoid *z = NULL;\n"
      "\n"
      "\t\t\tif (zfd >= 0 && posix_memalign(&z, 4096, len) == 0) {\n"
      "\t\t\t\tssize_t n;\n"
      "\n"
      "\t\t\t\tmemset(z, 0, len);\n"
      "\t\t\t\tn = pwrite(zfd, z, len, (off_t)c->out_off);\n"
      "\t\t\t\t(void)n;\n"
      "\t\t\t}\n"
      "\t\t\tfree(z);\n"
      "\t\t\tif (zfd >= 0)\n"
      "\t\t\t\tclose(zfd);\n"
      "\t\t}\n"
      "\t\tc->io_paths |= 1U << r.path;\n")])

# 6. Revocation leaves user mappings in place: a process that mapped a
# buffer keeps writing to memory that is no longer the device's.
mutation(
    "revoke-no-zap",
    "kernel revoke skips unmap_mapping_range (user mappings survive)",
    "stock", "switch", "revoke-under-load", r"did not get SIGBUS",
    [("kernel/dmabuf.c",
      re.compile(r"\tunmap_mapping_range\([^;]*\);\n"),
      "\t/* MUTATION revoke-no-zap: user mappings are left in place */\n")])

# 7. Every buffer's memory, as the importer writes it, starts one page
# after the offset the buffer reports (the exporter's vmap is off by a
# page; the BAR has room after the 60 buffers, so nothing leaves it).
mutation(
    "vmap-page-shift",
    "kernel vmap points one page past the buffer it reports",
    "stock", "switch", "capture-ivshmem", r"frame \d+ \(seq \d+\) at 0x[0-9a-f]+: ",
    [("kernel/dmabuf.c",
      "\t\tiosys_map_set_vaddr(map, buf->kaddr);\n",
      "\t\tiosys_map_set_vaddr(map, (char *)buf->kaddr + PAGE_SIZE); /* MUTATION */\n")])

# 8. A bounced O_DIRECT read never copies the data from the bounce buffer
# into device memory (the read direction of the storage path).
mutation(
    "bounce-read-no-copyback",
    "libp2pbuf io.c bounced reads never reach device memory",
    "stock", "switch", "storage-read", r"DIFFERENT",
    [("libp2pbuf/src/io.c",
      "\tif (!x->write && x->path == P2PBUF_IO_PATH_BOUNCE)\n",
      "\tif (0 && !x->write && x->path == P2PBUF_IO_PATH_BOUNCE) /* MUTATION */\n")])

# 9. Dropped frames over-counted by one per frame (the other direction of
# mutation 3).
mutation(
    "drops-overcounted",
    "libp2pbuf seq.c counts a sequence step of 1 as one dropped frame",
    "stock", "switch", "capture-ivshmem", r"tool reported [1-9]",
    [("libp2pbuf/src/seq.c",
      "\treturn gap - 1;\n",
      "\treturn gap; /* MUTATION drops-overcounted */\n")])

# 10. The old release-time free: a revoked buffer's device memory goes
# back only when its last fd closes. On P2PDMA kernels unbind waits for
# every page of the region, so a process holding a buffer fd holds the
# unbind (what the debug kernel showed before).
mutation(
    "revoke-keeps-memory",
    "kernel revoke does not give the memory back (freed at release only)",
    "newest", "switch", "unbind-holders", r"blocked for 20 s by a process holding a buffer",
    [("kernel/dmabuf.c",
      "\t\t\t buf->prov->name, P2PBUF_REVOKE_WAIT / HZ);\n\n\tp2pbuf_buffer_put_memory(buf);\n}\n",
      "\t\t\t buf->prov->name, P2PBUF_REVOKE_WAIT / HZ);\n}\n")])

# 11. A revoked buffer keeps mapping for importers: a new importer of the
# revoked buffer (edu) gets a mapping. Run on the stock kernel (pfnmap: no
# struct pages); on a P2PDMA kernel the pages are already back in the
# pool and gone with the unbind, and the map oopses (seen on 7.3), which
# is why the flag is checked.
mutation(
    "revoked-still-maps",
    "kernel map ignores the revoked flag",
    "stock", "switch", "edu-import", r"mapping a revoked buffer gave a mapping",
    [("kernel/dmabuf.c",
      "\tif (!revoked)\n\t\tbuf->dma_maps++;\n\tmutex_unlock(&buf->lock);\n\tif (revoked)\n\t\treturn ERR_PTR(-ENODEV);\n",
      "\tbuf->dma_maps++;\n\tmutex_unlock(&buf->lock);\n\trevoked = false; /* MUTATION */\n"),
     ("kernel/dmabuf.c",
      "\tmutex_lock(&buf->lock);\n\trevoked = buf->revoked;\n\tif (!revoked) {\n\t\ta->mapped++;",
      "\tmutex_lock(&buf->lock);\n\trevoked = false;\n\tif (!revoked) {\n\t\ta->mapped++;")])

# Probe. Every frame is reported with its sequence number plus one: a
# constant offset between the reported sequences and the frames' contents.
# The reference frame comes from another stream, and vivid's movement
# counter can start a step behind the sequence after STREAMON, so the
# frame checks accept a first frame within two steps of its sequence
# (tests/vm/vivid_frames.py check_frames); gaps and drops are unchanged.
mutation(
    "sequence-off-by-one",
    "libp2pbuf stream.c reports every frame's sequence number plus one",
    "stock", "switch", "capture-ivshmem", r"frame \d+ \(seq \d+\) at 0x[0-9a-f]+: ",
    [("libp2pbuf/src/stream.c",
      "\tframe->sequence = vb->sequence;\n",
      "\tframe->sequence = vb->sequence + 1; /* MUTATION sequence-off-by-one */\n")],
    probe=True)


def apply(root, m):
    """Apply mutation M to the tree at ROOT; raise ValueError, naming the
    file and the anchor, when an anchor is missing or not unique."""
    for path, old, new in m["edits"]:
        full = os.path.join(root, path)
        with open(full) as f:
            text = f.read()
        if isinstance(old, re.Pattern):
            n = len(old.findall(text))
            first = old.pattern
        else:
            n = text.count(old)
            first = old.strip().splitlines()[0] if old.strip() else repr(old)
        if n != 1:
            raise ValueError(f"mutation {m['name']}: anchor found {n} times in {path} "
                             f"(want exactly 1): {first!r}")
        if isinstance(old, re.Pattern):
            text = old.sub(lambda _: new, text)
        else:
            text = text.replace(old, new)
        with open(full, "w") as f:
            f.write(text)
