// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf_video: a V4L2 memory node pair per p2pbuf provider.
 *
 * Every V4L2 application knows how to take buffers from a V4L2 exporter
 * (v4l2-ctl --stream-dmabuf -E, GStreamer's dmabuf io-modes): REQBUFS with
 * MMAP, then VIDIOC_EXPBUF. These nodes answer that with device memory: a
 * buffer of either node is a p2pbuf dma-buf of the provider, so it has
 * the same route recording, revocation and statistics as every other
 * p2pbuf buffer.
 *
 * Each provider gets two nodes, "<provider> output" and "<provider>
 * capture", a loopback in device memory (the shape of v4l2loopback, with
 * no copy): buffer i of the output queue and buffer i of the capture queue
 * are the same memory. A frame queued on output buffer i is handed to the
 * reader as capture buffer i once the reader has queued it; output buffer
 * i goes back to the writer when the reader queues capture buffer i again
 * (it has finished reading), or when the reader stops. Without a
 * streaming reader, output frames go back one per frame period (the
 * writer's S_PARM) and are counted as dropped. Either node can serve as a
 * plain exporter.
 *
 * Created and removed through /sys/class/p2pbuf_video/{add,remove}
 * (sysfs: scriptable without our tools, root-only by file mode) or at load
 * with providers=; removed when the provider is revoked.
 */
#include <linux/file.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <media/v4l2-common.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-v4l2.h>

#include "p2pbuf_priv.h"

#define P2PVID_MIN_DIM		16
#define P2PVID_MAX_DIM		8192
#define P2PVID_MAX_FPS		240

enum { P2PVID_CAP, P2PVID_OUT, P2PVID_NQUEUES };

static const char *const p2pvid_dir_names[] = { "capture", "output" };

/* Single-plane formats; the ones the running kernel's v4l2-common knows. */
static const u32 p2pvid_fourccs_all[] = {
	V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_UYVY, V4L2_PIX_FMT_YVYU, V4L2_PIX_FMT_VYUY,
	V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_NV21, V4L2_PIX_FMT_NV16, V4L2_PIX_FMT_NV61,
	V4L2_PIX_FMT_NV24, V4L2_PIX_FMT_NV42, V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_YVU420,
	V4L2_PIX_FMT_YUV422P, V4L2_PIX_FMT_P010, V4L2_PIX_FMT_GREY, V4L2_PIX_FMT_Y16,
	V4L2_PIX_FMT_RGB24, V4L2_PIX_FMT_BGR24, V4L2_PIX_FMT_XRGB32, V4L2_PIX_FMT_XBGR32,
	V4L2_PIX_FMT_ARGB32, V4L2_PIX_FMT_ABGR32, V4L2_PIX_FMT_RGB565,
	V4L2_PIX_FMT_SBGGR8, V4L2_PIX_FMT_SGBRG8, V4L2_PIX_FMT_SGRBG8, V4L2_PIX_FMT_SRGGB8,
	V4L2_PIX_FMT_SBGGR16, V4L2_PIX_FMT_SRGGB16,
};

static u32 p2pvid_fourccs[ARRAY_SIZE(p2pvid_fourccs_all)];
static unsigned int p2pvid_nfourccs;

/*
 * The memory of buffer index i, shared by the two queues when both have a
 * buffer i that fits in it. Holds a reference to its dma-buf.
 */
struct p2pvid_slot {
	struct kref ref;
	struct list_head node;		/* dev->slot_list */
	struct p2pvid *dev;
	unsigned int index;
	bool shared;			/* in dev->slots[index] */
	unsigned int users;		/* BIT(P2PVID_CAP) | BIT(P2PVID_OUT) */
	struct dma_buf *dmabuf;
};

struct p2pvid_buffer {
	struct vb2_v4l2_buffer vb;	/* first: vb2's buf_struct_size */
	struct list_head list;
};

struct p2pvid {
	struct list_head node;		/* p2pvid_list */
	struct p2pbuf_provider *prov;	/* reference held */
	struct v4l2_device v4l2_dev;
	struct video_device vdev[P2PVID_NQUEUES];
	struct vb2_queue queue[P2PVID_NQUEUES];

	/* Serialises both nodes' ioctls, their queues and the loop below. */
	struct mutex lock;
	struct v4l2_pix_format fmt[P2PVID_NQUEUES];
	struct v4l2_fract timeperframe;
	struct list_head out_pending;	/* queued output, not yet handed on */
	struct list_head cap_waiting;	/* queued capture, waiting for a frame */
	struct p2pvid_buffer *held[VIDEO_MAX_FRAME];	/* output i, being read */
	u32 seq[P2PVID_NQUEUES];
	u64 frames;			/* handed from output to capture */
	u64 dropped;			/* output frames no reader took */
	struct delayed_work drop_work;	/* returns them, one per frame period */

	struct mutex slot_lock;		/* slots, slot_list, slot users */
	struct p2pvid_slot *slots[VIDEO_MAX_FRAME];
	struct list_head slot_list;
};

static DEFINE_MUTEX(p2pvid_list_lock);
static LIST_HEAD(p2pvid_list);

static struct p2pvid_buffer *to_p2pvid_buffer(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct p2pvid_buffer, vb);
}

static int p2pvid_dir(struct vb2_queue *q)
{
	return V4L2_TYPE_IS_OUTPUT(q->type) ? P2PVID_OUT : P2PVID_CAP;
}

/* --- memory: vb2 memory ops backed by the provider --- */

/* vb2's mem_priv: one queue's use of a slot. */
struct p2pvid_mem {
	struct p2pvid_slot *slot;
	int dir;
};

static void p2pvid_slot_release(struct kref *ref)
{
	struct p2pvid_slot *slot = container_of(ref, struct p2pvid_slot, ref);
	struct p2pvid *dev = slot->dev;

	lockdep_assert_held(&dev->slot_lock);
	if (slot->shared)
		dev->slots[slot->index] = NULL;
	list_del(&slot->node);
	dma_buf_put(slot->dmabuf);
	kfree(slot);
}

static void *p2pvid_mem_alloc(struct vb2_buffer *vb, struct device *unused,
			      unsigned long size)
{
	struct p2pvid *dev = vb2_get_drv_priv(vb->vb2_queue);
	struct p2pvid_slot *slot;
	struct p2pvid_mem *mem;
	struct dma_buf *dmabuf;

	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return ERR_PTR(-ENOMEM);
	mem->dir = p2pvid_dir(vb->vb2_queue);

	mutex_lock(&dev->slot_lock);
	slot = dev->slots[vb->index];
	if (slot && slot->dmabuf->size >= size && !(slot->users & BIT(mem->dir))) {
		kref_get(&slot->ref);
		slot->users |= BIT(mem->dir);
		mem->slot = slot;
		mutex_unlock(&dev->slot_lock);
		return mem;
	}
	mutex_unlock(&dev->slot_lock);

	slot = kzalloc(sizeof(*slot), GFP_KERNEL);
	if (!slot) {
		kfree(mem);
		return ERR_PTR(-ENOMEM);
	}
	dmabuf = p2pbuf_buffer_export(dev->prov, PAGE_ALIGN(size), O_RDWR | O_CLOEXEC);
	if (IS_ERR(dmabuf)) {
		kfree(slot);
		kfree(mem);
		return ERR_CAST(dmabuf);
	}
	kref_init(&slot->ref);
	slot->dev = dev;
	slot->index = vb->index;
	slot->users = BIT(mem->dir);
	slot->dmabuf = dmabuf;
	mutex_lock(&dev->slot_lock);
	/* A slot of another size stays private to the queue that made it. */
	if (!dev->slots[vb->index]) {
		dev->slots[vb->index] = slot;
		slot->shared = true;
	}
	list_add_tail(&slot->node, &dev->slot_list);
	mutex_unlock(&dev->slot_lock);
	mem->slot = slot;
	return mem;
}

static void p2pvid_mem_put(void *priv)
{
	struct p2pvid_mem *mem = priv;
	struct p2pvid_slot *slot = mem->slot;
	struct p2pvid *dev = slot->dev;

	mutex_lock(&dev->slot_lock);
	slot->users &= ~BIT(mem->dir);
	kref_put(&slot->ref, p2pvid_slot_release);
	mutex_unlock(&dev->slot_lock);
	kfree(mem);
}

static struct dma_buf *p2pvid_mem_get_dmabuf(struct vb2_buffer *vb, void *priv,
					     unsigned long flags)
{
	struct p2pvid_mem *mem = priv;

	get_dma_buf(mem->slot->dmabuf);
	return mem->slot->dmabuf;
}

static int p2pvid_mem_mmap(void *priv, struct vm_area_struct *vma)
{
	struct p2pvid_mem *mem = priv;

	/* The mapping becomes the dma-buf's: it is revoked with it. */
	return dma_buf_mmap(mem->slot->dmabuf, vma, 0);
}

static unsigned int p2pvid_mem_num_users(void *priv)
{
	struct p2pvid_mem *mem = priv;

	return file_count(mem->slot->dmabuf->file);
}

static const struct vb2_mem_ops p2pvid_mem_ops = {
	.alloc = p2pvid_mem_alloc,
	.put = p2pvid_mem_put,
	.get_dmabuf = p2pvid_mem_get_dmabuf,
	.mmap = p2pvid_mem_mmap,
	.num_users = p2pvid_mem_num_users,
};

/* --- the loop: output frames handed to the reader in place --- */

static struct p2pvid_buffer *p2pvid_waiting(struct p2pvid *dev, unsigned int index)
{
	struct p2pvid_buffer *b;

	list_for_each_entry(b, &dev->cap_waiting, list)
		if (b->vb.vb2_buf.index == index)
			return b;
	return NULL;
}

/* Output frames in queueing order, each to the capture buffer of its memory. */
static void p2pvid_deliver(struct p2pvid *dev)
{
	lockdep_assert_held(&dev->lock);
	while (!list_empty(&dev->out_pending)) {
		struct p2pvid_buffer *out = list_first_entry(&dev->out_pending,
							     struct p2pvid_buffer, list);
		unsigned int i = out->vb.vb2_buf.index;
		struct p2pvid_buffer *cap = p2pvid_waiting(dev, i);

		if (!cap)
			return;
		list_del(&out->list);
		list_del(&cap->list);
		vb2_set_plane_payload(&cap->vb.vb2_buf, 0,
				      vb2_get_plane_payload(&out->vb.vb2_buf, 0));
		cap->vb.vb2_buf.timestamp = out->vb.vb2_buf.timestamp;
		cap->vb.field = V4L2_FIELD_NONE;
		cap->vb.flags &= ~V4L2_BUF_FLAG_TIMECODE;
		cap->vb.flags |= out->vb.flags & V4L2_BUF_FLAG_TIMECODE;
		cap->vb.timecode = out->vb.timecode;
		cap->vb.sequence = dev->seq[P2PVID_CAP]++;
		out->vb.sequence = dev->seq[P2PVID_OUT]++;
		dev->held[i] = out;
		dev->frames++;
		vb2_buffer_done(&cap->vb.vb2_buf, VB2_BUF_STATE_DONE);
	}
}

/* Output buffer i goes back to the writer. */
static void p2pvid_release_held(struct p2pvid *dev, unsigned int i,
				enum vb2_buffer_state state)
{
	struct p2pvid_buffer *out = dev->held[i];

	if (out) {
		dev->held[i] = NULL;
		vb2_buffer_done(&out->vb.vb2_buf, state);
	}
}

static void p2pvid_drop(struct p2pvid *dev, struct p2pvid_buffer *out,
			enum vb2_buffer_state state)
{
	out->vb.sequence = dev->seq[P2PVID_OUT]++;
	dev->dropped++;
	vb2_buffer_done(&out->vb.vb2_buf, state);
}

/* Would a frame in output buffer @vb reach a reader? */
static bool p2pvid_has_reader(struct p2pvid *dev, struct vb2_buffer *vb)
{
	struct vb2_queue *cq = &dev->queue[P2PVID_CAP];
	struct vb2_buffer *cb;

	if (!vb2_is_streaming(cq) || vb->index >= vb2_get_num_buffers(cq))
		return false;
	cb = vb2_get_buffer(cq, vb->index);
	return cb && ((struct p2pvid_mem *)cb->planes[0].mem_priv)->slot ==
		     ((struct p2pvid_mem *)vb->planes[0].mem_priv)->slot &&
	       vb2_get_plane_payload(vb, 0) <= vb2_plane_size(cb, 0);
}

static unsigned long p2pvid_period(struct p2pvid *dev)
{
	return max(1UL, msecs_to_jiffies(div_u64(1000ULL * dev->timeperframe.numerator,
						 dev->timeperframe.denominator)));
}

/*
 * An output frame nobody can read (no reader streaming, or no capture
 * buffer of the same memory) goes back to the writer one frame period
 * after it was queued: a writer without a reader runs at its frame rate,
 * and QBUF never returns a buffer already done. Trylock: stop_streaming
 * holds dev->lock when it cancels this work.
 */
static void p2pvid_drop_work(struct work_struct *work)
{
	struct p2pvid *dev = container_of(to_delayed_work(work), struct p2pvid, drop_work);
	struct p2pvid_buffer *b;

	if (!mutex_trylock(&dev->lock)) {
		schedule_delayed_work(&dev->drop_work, 1);
		return;
	}
	b = list_first_entry_or_null(&dev->out_pending, struct p2pvid_buffer, list);
	if (b && !p2pvid_has_reader(dev, &b->vb.vb2_buf)) {
		list_del(&b->list);
		p2pvid_drop(dev, b, VB2_BUF_STATE_DONE);
		p2pvid_deliver(dev);
	}
	list_for_each_entry(b, &dev->out_pending, list) {
		if (!p2pvid_has_reader(dev, &b->vb.vb2_buf)) {
			schedule_delayed_work(&dev->drop_work, p2pvid_period(dev));
			break;
		}
	}
	mutex_unlock(&dev->lock);
}

static void p2pvid_buf_queue(struct vb2_buffer *vb)
{
	struct p2pvid *dev = vb2_get_drv_priv(vb->vb2_queue);
	struct p2pvid_buffer *b = to_p2pvid_buffer(vb);

	lockdep_assert_held(&dev->lock);
	if (p2pvid_dir(vb->vb2_queue) == P2PVID_OUT) {
		list_add_tail(&b->list, &dev->out_pending);
		if (!p2pvid_has_reader(dev, vb))
			schedule_delayed_work(&dev->drop_work, p2pvid_period(dev));
	} else {
		/* The reader is done with this memory: the writer may refill it. */
		p2pvid_release_held(dev, vb->index, VB2_BUF_STATE_DONE);
		list_add_tail(&b->list, &dev->cap_waiting);
	}
	p2pvid_deliver(dev);
}

static int p2pvid_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			      unsigned int *nplanes, unsigned int sizes[],
			      struct device *alloc_devs[])
{
	struct p2pvid *dev = vb2_get_drv_priv(q);
	u32 size = dev->fmt[p2pvid_dir(q)].sizeimage;

	if (*nplanes)
		return *nplanes == 1 && sizes[0] >= size ? 0 : -EINVAL;
	*nplanes = 1;
	sizes[0] = size;
	return 0;
}

static int p2pvid_buf_prepare(struct vb2_buffer *vb)
{
	struct p2pvid *dev = vb2_get_drv_priv(vb->vb2_queue);
	int dir = p2pvid_dir(vb->vb2_queue);

	if (vb2_plane_size(vb, 0) < dev->fmt[dir].sizeimage)
		return -EINVAL;
	if (dir == P2PVID_CAP)
		vb2_set_plane_payload(vb, 0, dev->fmt[dir].sizeimage);
	else
		to_vb2_v4l2_buffer(vb)->field = V4L2_FIELD_NONE;
	return 0;
}

/*
 * vb2 hands the buffers queued before STREAMON to buf_queue before it
 * calls start_streaming: sequence numbers restart at stop_streaming.
 */
static int p2pvid_start_streaming(struct vb2_queue *q, unsigned int count)
{
	return 0;
}

static void p2pvid_stop_streaming(struct vb2_queue *q)
{
	struct p2pvid *dev = vb2_get_drv_priv(q);
	struct p2pvid_buffer *b, *tmp;
	unsigned int i;

	lockdep_assert_held(&dev->lock);
	if (p2pvid_dir(q) == P2PVID_CAP) {
		list_for_each_entry_safe(b, tmp, &dev->cap_waiting, list) {
			list_del(&b->list);
			vb2_buffer_done(&b->vb.vb2_buf, VB2_BUF_STATE_ERROR);
		}
		/* No reader: the writer gets its frames back, not shown. */
		for (i = 0; i < VIDEO_MAX_FRAME; i++)
			p2pvid_release_held(dev, i, VB2_BUF_STATE_DONE);
		list_for_each_entry_safe(b, tmp, &dev->out_pending, list) {
			list_del(&b->list);
			p2pvid_drop(dev, b, VB2_BUF_STATE_DONE);
		}
	} else {
		cancel_delayed_work(&dev->drop_work);
		list_for_each_entry_safe(b, tmp, &dev->out_pending, list) {
			list_del(&b->list);
			vb2_buffer_done(&b->vb.vb2_buf, VB2_BUF_STATE_ERROR);
		}
		for (i = 0; i < VIDEO_MAX_FRAME; i++)
			p2pvid_release_held(dev, i, VB2_BUF_STATE_ERROR);
	}
	dev->seq[p2pvid_dir(q)] = 0;
}

static const struct vb2_ops p2pvid_qops = {
	.queue_setup = p2pvid_queue_setup,
	.buf_prepare = p2pvid_buf_prepare,
	.buf_queue = p2pvid_buf_queue,
	.start_streaming = p2pvid_start_streaming,
	.stop_streaming = p2pvid_stop_streaming,
#if !P2PBUF_KERNEL_AT_LEAST(6, 13)
	/* from 6.13 vb2 drops q->lock around waits by itself */
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
#endif
};

/* --- ioctls --- */

static struct p2pvid *p2pvid_file(struct file *file)
{
	return video_drvdata(file);
}

static int p2pvid_file_dir(struct file *file)
{
	return video_devdata(file)->vfl_dir == VFL_DIR_TX ? P2PVID_OUT : P2PVID_CAP;
}

static int p2pvid_querycap(struct file *file, void *priv, struct v4l2_capability *cap)
{
	struct p2pvid *dev = p2pvid_file(file);

	strscpy(cap->driver, "p2pbuf_video", sizeof(cap->driver));
	scnprintf(cap->card, sizeof(cap->card), "p2pbuf %s", dev->prov->name);
	scnprintf(cap->bus_info, sizeof(cap->bus_info), "PCI:%s", pci_name(dev->prov->pdev));
	return 0;
}

static int p2pvid_enum_fmt(struct file *file, void *priv, struct v4l2_fmtdesc *f)
{
	if (f->mbus_code || f->index >= p2pvid_nfourccs)
		return -EINVAL;
	f->pixelformat = p2pvid_fourccs[f->index];
	return 0;
}

static bool p2pvid_fourcc_ok(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < p2pvid_nfourccs; i++)
		if (p2pvid_fourccs[i] == fourcc)
			return true;
	return false;
}

/*
 * Any size and any listed format: memory, not a sensor. bytesperline and
 * sizeimage as v4l2-common computes them; colorimetry as the writer says.
 */
static void p2pvid_try(struct v4l2_pix_format *pix)
{
	u32 fourcc = p2pvid_fourcc_ok(pix->pixelformat) ? pix->pixelformat : V4L2_PIX_FMT_YUYV;
	u32 w = clamp_t(u32, pix->width, P2PVID_MIN_DIM, P2PVID_MAX_DIM);
	u32 h = clamp_t(u32, pix->height, P2PVID_MIN_DIM, P2PVID_MAX_DIM);
	struct v4l2_pix_format in = *pix;

	/* only listed formats get here, and those v4l2-common knows */
	if (WARN_ON(v4l2_fill_pixfmt(pix, fourcc, w, h)))
		v4l2_fill_pixfmt(pix, V4L2_PIX_FMT_YUYV, w, h);
	pix->field = V4L2_FIELD_NONE;
	pix->colorspace = in.colorspace && in.colorspace <= V4L2_COLORSPACE_DCI_P3 ?
			  in.colorspace : V4L2_COLORSPACE_SRGB;
	pix->xfer_func = in.xfer_func <= V4L2_XFER_FUNC_SMPTE2084 ? in.xfer_func : 0;
	pix->ycbcr_enc = in.ycbcr_enc <= V4L2_YCBCR_ENC_SMPTE240M ? in.ycbcr_enc : 0;
	pix->quantization = in.quantization <= V4L2_QUANTIZATION_LIM_RANGE ?
			    in.quantization : 0;
	pix->flags = 0;
	pix->priv = 0;
}

static int p2pvid_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	f->fmt.pix = p2pvid_file(file)->fmt[p2pvid_file_dir(file)];
	return 0;
}

static int p2pvid_try_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	p2pvid_try(&f->fmt.pix);
	return 0;
}

static int p2pvid_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct p2pvid *dev = p2pvid_file(file);
	int dir = p2pvid_file_dir(file);

	p2pvid_try(&f->fmt.pix);
	if (vb2_is_busy(&dev->queue[dir]))
		return -EBUSY;
	dev->fmt[dir] = f->fmt.pix;
	/*
	 * The capture side follows the writer's format while it has no
	 * buffers. A reader with another format gets only the frames that
	 * fit the buffers both sides share (memory of the same index).
	 */
	if (dir == P2PVID_OUT && !vb2_is_busy(&dev->queue[P2PVID_CAP]))
		dev->fmt[P2PVID_CAP] = f->fmt.pix;
	return 0;
}

static int p2pvid_enum_framesizes(struct file *file, void *priv,
				  struct v4l2_frmsizeenum *fsize)
{
	if (fsize->index || !p2pvid_fourcc_ok(fsize->pixel_format))
		return -EINVAL;
	fsize->type = V4L2_FRMSIZE_TYPE_CONTINUOUS;
	fsize->stepwise.min_width = P2PVID_MIN_DIM;
	fsize->stepwise.max_width = P2PVID_MAX_DIM;
	fsize->stepwise.step_width = 1;
	fsize->stepwise.min_height = P2PVID_MIN_DIM;
	fsize->stepwise.max_height = P2PVID_MAX_DIM;
	fsize->stepwise.step_height = 1;
	return 0;
}

/* The frame interval the writer announces, reported to the reader. */
static int p2pvid_g_parm(struct file *file, void *priv, struct v4l2_streamparm *parm)
{
	struct p2pvid *dev = p2pvid_file(file);

	if (V4L2_TYPE_IS_OUTPUT(parm->type)) {
		memset(&parm->parm.output, 0, sizeof(parm->parm.output));
		parm->parm.output.capability = V4L2_CAP_TIMEPERFRAME;
		parm->parm.output.timeperframe = dev->timeperframe;
	} else {
		memset(&parm->parm.capture, 0, sizeof(parm->parm.capture));
		parm->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
		parm->parm.capture.timeperframe = dev->timeperframe;
	}
	return 0;
}

static int p2pvid_s_parm(struct file *file, void *priv, struct v4l2_streamparm *parm)
{
	struct p2pvid *dev = p2pvid_file(file);
	struct v4l2_fract *t = V4L2_TYPE_IS_OUTPUT(parm->type) ?
			       &parm->parm.output.timeperframe :
			       &parm->parm.capture.timeperframe;

	if (t->numerator && t->denominator) {
		/* within what ENUM_FRAMEINTERVALS says: 1/240 s to 1 s */
		if ((u64)t->numerator * P2PVID_MAX_FPS < t->denominator)
			*t = (struct v4l2_fract){ 1, P2PVID_MAX_FPS };
		else if (t->numerator > t->denominator)
			*t = (struct v4l2_fract){ 1, 1 };
		dev->timeperframe = *t;
	}
	return p2pvid_g_parm(file, priv, parm);
}

static int p2pvid_enum_frameintervals(struct file *file, void *priv,
				      struct v4l2_frmivalenum *fival)
{
	if (fival->index || !p2pvid_fourcc_ok(fival->pixel_format) ||
	    fival->width < P2PVID_MIN_DIM || fival->width > P2PVID_MAX_DIM ||
	    fival->height < P2PVID_MIN_DIM || fival->height > P2PVID_MAX_DIM)
		return -EINVAL;
	fival->type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
	fival->stepwise.min = (struct v4l2_fract){ 1, P2PVID_MAX_FPS };
	fival->stepwise.max = (struct v4l2_fract){ 1, 1 };
	fival->stepwise.step = (struct v4l2_fract){ 1, 1 };
	return 0;
}

static int p2pvid_enum_input(struct file *file, void *priv, struct v4l2_input *inp)
{
	if (inp->index)
		return -EINVAL;
	strscpy(inp->name, "p2pbuf loopback", sizeof(inp->name));
	inp->type = V4L2_INPUT_TYPE_CAMERA;
	return 0;
}

static int p2pvid_g_io(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int p2pvid_s_io(struct file *file, void *priv, unsigned int i)
{
	return i ? -EINVAL : 0;
}

static int p2pvid_enum_output(struct file *file, void *priv, struct v4l2_output *out)
{
	if (out->index)
		return -EINVAL;
	strscpy(out->name, "p2pbuf loopback", sizeof(out->name));
	out->type = V4L2_OUTPUT_TYPE_ANALOG;
	return 0;
}

static int p2pvid_log_status(struct file *file, void *priv)
{
	struct p2pvid *dev = p2pvid_file(file);

	v4l2_info(&dev->v4l2_dev, "%llu frames handed from output to capture, %llu dropped (no reader)\n",
		  dev->frames, dev->dropped);
	return 0;
}

static const struct v4l2_ioctl_ops p2pvid_ioctl_ops = {
	.vidioc_querycap = p2pvid_querycap,
	.vidioc_enum_fmt_vid_cap = p2pvid_enum_fmt,
	.vidioc_g_fmt_vid_cap = p2pvid_g_fmt,
	.vidioc_try_fmt_vid_cap = p2pvid_try_fmt,
	.vidioc_s_fmt_vid_cap = p2pvid_s_fmt,
	.vidioc_enum_fmt_vid_out = p2pvid_enum_fmt,
	.vidioc_g_fmt_vid_out = p2pvid_g_fmt,
	.vidioc_try_fmt_vid_out = p2pvid_try_fmt,
	.vidioc_s_fmt_vid_out = p2pvid_s_fmt,
	.vidioc_enum_framesizes = p2pvid_enum_framesizes,
	.vidioc_enum_frameintervals = p2pvid_enum_frameintervals,
	.vidioc_g_parm = p2pvid_g_parm,
	.vidioc_s_parm = p2pvid_s_parm,
	.vidioc_enum_input = p2pvid_enum_input,
	.vidioc_g_input = p2pvid_g_io,
	.vidioc_s_input = p2pvid_s_io,
	.vidioc_enum_output = p2pvid_enum_output,
	.vidioc_g_output = p2pvid_g_io,
	.vidioc_s_output = p2pvid_s_io,
	.vidioc_log_status = p2pvid_log_status,
	.vidioc_reqbufs = vb2_ioctl_reqbufs,
	.vidioc_create_bufs = vb2_ioctl_create_bufs,
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,
	.vidioc_querybuf = vb2_ioctl_querybuf,
	.vidioc_qbuf = vb2_ioctl_qbuf,
	.vidioc_dqbuf = vb2_ioctl_dqbuf,
	.vidioc_expbuf = vb2_ioctl_expbuf,
	.vidioc_streamon = vb2_ioctl_streamon,
	.vidioc_streamoff = vb2_ioctl_streamoff,
};

static const struct v4l2_file_operations p2pvid_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.poll = vb2_fop_poll,
	.mmap = vb2_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* --- sysfs on each node: where its buffers are, and the loop's counters --- */

static struct p2pvid *p2pvid_of(struct device *d)
{
	return video_get_drvdata(to_video_device(d));
}

static ssize_t buffers_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct p2pvid *dev = p2pvid_of(d);
	struct p2pvid_slot *slot;
	int len = 0;

	mutex_lock(&dev->slot_lock);
	list_for_each_entry(slot, &dev->slot_list, node) {
		struct p2pbuf_buffer *pb = slot->dmabuf->priv;

		len += sysfs_emit_at(buf, len, "%u 0x%llx %zu %s%s%s\n", slot->index,
				     (unsigned long long)(pb->phys - dev->prov->phys),
				     slot->dmabuf->size,
				     slot->users & BIT(P2PVID_CAP) ? "capture" : "",
				     slot->users == (BIT(P2PVID_CAP) | BIT(P2PVID_OUT)) ? "," : "",
				     slot->users & BIT(P2PVID_OUT) ? "output" : "");
	}
	mutex_unlock(&dev->slot_lock);
	return len;
}
static DEVICE_ATTR_RO(buffers);

static ssize_t stats_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct p2pvid *dev = p2pvid_of(d);
	ssize_t len;

	mutex_lock(&dev->lock);
	len = sysfs_emit(buf, "frames %llu\ndropped %llu\n", dev->frames, dev->dropped);
	mutex_unlock(&dev->lock);
	return len;
}
static DEVICE_ATTR_RO(stats);

static ssize_t provider_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", p2pvid_of(d)->prov->name);
}
static DEVICE_ATTR_RO(provider);

static struct attribute *p2pvid_node_attrs[] = {
	&dev_attr_buffers.attr,
	&dev_attr_stats.attr,
	&dev_attr_provider.attr,
	NULL,
};

static const struct attribute_group p2pvid_node_group = {
	.name = "p2pbuf",
	.attrs = p2pvid_node_attrs,
};

/* --- node pairs --- */

static void p2pvid_release(struct v4l2_device *v4l2_dev)
{
	struct p2pvid *dev = container_of(v4l2_dev, struct p2pvid, v4l2_dev);

	p2pbuf_provider_put(dev->prov);
	mutex_destroy(&dev->slot_lock);
	mutex_destroy(&dev->lock);
	kfree(dev);
}

static int p2pvid_init_queue(struct p2pvid *dev, int dir)
{
	struct vb2_queue *q = &dev->queue[dir];

	q->type = dir == P2PVID_OUT ? V4L2_BUF_TYPE_VIDEO_OUTPUT : V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP;
	q->drv_priv = dev;
	q->buf_struct_size = sizeof(struct p2pvid_buffer);
	q->ops = &p2pvid_qops;
	q->mem_ops = &p2pvid_mem_ops;
	/* the writer's timestamps, handed on to the reader */
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
	q->lock = &dev->lock;
	q->dev = &dev->prov->pdev->dev;
	return vb2_queue_init(q);
}

static void p2pvid_unregister(struct p2pvid *dev)
{
	int dir;

	/* Stops both queues and frees their buffers, open files or not. */
	for (dir = 0; dir < P2PVID_NQUEUES; dir++) {
		if (!video_is_registered(&dev->vdev[dir]))
			continue;
		sysfs_remove_group(&dev->vdev[dir].dev.kobj, &p2pvid_node_group);
		vb2_video_unregister_device(&dev->vdev[dir]);
	}
	/* queues stopped: nothing re-arms it */
	cancel_delayed_work_sync(&dev->drop_work);
	v4l2_device_unregister(&dev->v4l2_dev);
	v4l2_device_put(&dev->v4l2_dev);
}

static int p2pvid_create(const char *name)
{
	struct p2pbuf_provider *prov;
	struct p2pvid *dev, *d;
	int dir, ret;

	prov = p2pbuf_provider_lookup(name);
	if (!prov)
		return -ENODEV;
	mutex_lock(&p2pvid_list_lock);
	/*
	 * A revocation that told its users before we took the lock would not
	 * find us; one that tells them after it will.
	 */
	if (READ_ONCE(prov->going)) {
		ret = -ENODEV;
		goto err_unlock;
	}
	list_for_each_entry(d, &p2pvid_list, node) {
		if (d->prov == prov) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	dev->prov = prov;
	mutex_init(&dev->lock);
	mutex_init(&dev->slot_lock);
	INIT_LIST_HEAD(&dev->out_pending);
	INIT_LIST_HEAD(&dev->cap_waiting);
	INIT_LIST_HEAD(&dev->slot_list);
	INIT_DELAYED_WORK(&dev->drop_work, p2pvid_drop_work);
	dev->timeperframe = (struct v4l2_fract){ 1, 30 };
	dev->fmt[P2PVID_CAP].width = 1920;
	dev->fmt[P2PVID_CAP].height = 1080;
	dev->fmt[P2PVID_CAP].pixelformat = V4L2_PIX_FMT_YUYV;
	p2pvid_try(&dev->fmt[P2PVID_CAP]);
	dev->fmt[P2PVID_OUT] = dev->fmt[P2PVID_CAP];

	scnprintf(dev->v4l2_dev.name, sizeof(dev->v4l2_dev.name), "p2pbuf-%s", prov->name);
	dev->v4l2_dev.release = p2pvid_release;
	ret = v4l2_device_register(prov->misc.this_device, &dev->v4l2_dev);
	if (ret) {
		mutex_destroy(&dev->slot_lock);
		mutex_destroy(&dev->lock);
		kfree(dev);
		goto err_unlock;
	}
	/* from here on, p2pvid_release() frees dev and drops prov */

	for (dir = 0; dir < P2PVID_NQUEUES; dir++) {
		struct video_device *vdev = &dev->vdev[dir];

		ret = p2pvid_init_queue(dev, dir);
		if (ret)
			goto err_unregister;
		scnprintf(vdev->name, sizeof(vdev->name), "%s %s", prov->name,
			  p2pvid_dir_names[dir]);
		vdev->fops = &p2pvid_fops;
		vdev->ioctl_ops = &p2pvid_ioctl_ops;
		vdev->release = video_device_release_empty;
		vdev->v4l2_dev = &dev->v4l2_dev;
		vdev->queue = &dev->queue[dir];
		vdev->lock = &dev->lock;
		if (dir == P2PVID_OUT) {
			vdev->vfl_dir = VFL_DIR_TX;
			vdev->device_caps = V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING;
		} else {
			vdev->vfl_dir = VFL_DIR_RX;
			vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
		}
		video_set_drvdata(vdev, dev);
		ret = video_register_device(vdev, VFL_TYPE_VIDEO, -1);
		if (ret)
			goto err_unregister;
		ret = sysfs_create_group(&vdev->dev.kobj, &p2pvid_node_group);
		if (ret)
			goto err_unregister;
	}
	list_add_tail(&dev->node, &p2pvid_list);
	mutex_unlock(&p2pvid_list_lock);
	v4l2_info(&dev->v4l2_dev, "%s: %s and %s (loopback in device memory)\n", prov->name,
		  video_device_node_name(&dev->vdev[P2PVID_OUT]),
		  video_device_node_name(&dev->vdev[P2PVID_CAP]));
	return 0;

err_unregister:
	p2pvid_unregister(dev);
	mutex_unlock(&p2pvid_list_lock);
	return ret;

err_unlock:
	mutex_unlock(&p2pvid_list_lock);
	p2pbuf_provider_put(prov);
	return ret;
}

/* The pair of @prov, or of the provider called @name: unlisted, or NULL. */
static struct p2pvid *p2pvid_take(struct p2pbuf_provider *prov, const char *name)
{
	struct p2pvid *dev;

	lockdep_assert_held(&p2pvid_list_lock);
	list_for_each_entry(dev, &p2pvid_list, node) {
		if (dev->prov == prov || (name && !strcmp(dev->prov->name, name))) {
			list_del(&dev->node);
			return dev;
		}
	}
	return NULL;
}

static int p2pvid_remove(const char *name)
{
	struct p2pvid *dev;

	mutex_lock(&p2pvid_list_lock);
	dev = p2pvid_take(NULL, name);
	if (dev)
		p2pvid_unregister(dev);
	mutex_unlock(&p2pvid_list_lock);
	return dev ? 0 : -ENODEV;
}

static int p2pvid_notify(struct notifier_block *nb, unsigned long event, void *data)
{
	struct p2pvid *dev;

	if (event != P2PBUF_EVENT_REVOKE)
		return NOTIFY_DONE;
	mutex_lock(&p2pvid_list_lock);
	dev = p2pvid_take(data, NULL);
	if (dev) {
		v4l2_info(&dev->v4l2_dev, "%s revoked: removing its nodes\n", dev->prov->name);
		p2pvid_unregister(dev);
	}
	mutex_unlock(&p2pvid_list_lock);
	return NOTIFY_OK;
}

static struct notifier_block p2pvid_nb = {
	.notifier_call = p2pvid_notify,
};

/* --- /sys/class/p2pbuf_video: add, remove, nodes --- */

static int p2pvid_name_arg(const char *buf, size_t count, char *name)
{
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= P2PBUF_NAME_LEN)
		return -EINVAL;
	memcpy(name, buf, len);
	name[len] = '\0';
	return 0;
}

static ssize_t add_store(const struct class *cls, const struct class_attribute *attr,
			 const char *buf, size_t count)
{
	char name[P2PBUF_NAME_LEN];
	int ret = p2pvid_name_arg(buf, count, name);

	return ret ?: p2pvid_create(name) ?: count;
}
static CLASS_ATTR_WO(add);

static ssize_t remove_store(const struct class *cls, const struct class_attribute *attr,
			    const char *buf, size_t count)
{
	char name[P2PBUF_NAME_LEN];
	int ret = p2pvid_name_arg(buf, count, name);

	return ret ?: p2pvid_remove(name) ?: count;
}
static CLASS_ATTR_WO(remove);

/* One line per pair: provider, output node, capture node. */
static ssize_t nodes_show(const struct class *cls, const struct class_attribute *attr,
			  char *buf)
{
	struct p2pvid *dev;
	int len = 0;

	mutex_lock(&p2pvid_list_lock);
	list_for_each_entry(dev, &p2pvid_list, node)
		len += sysfs_emit_at(buf, len, "%s %s %s\n", dev->prov->name,
				     video_device_node_name(&dev->vdev[P2PVID_OUT]),
				     video_device_node_name(&dev->vdev[P2PVID_CAP]));
	mutex_unlock(&p2pvid_list_lock);
	return len;
}
static CLASS_ATTR_RO(nodes);

static struct attribute *p2pvid_class_attrs[] = {
	&class_attr_add.attr,
	&class_attr_remove.attr,
	&class_attr_nodes.attr,
	NULL,
};
ATTRIBUTE_GROUPS(p2pvid_class);

static const struct class p2pvid_class = {
	.name = "p2pbuf_video",
	.class_groups = p2pvid_class_groups,
};

static char *providers;
module_param(providers, charp, 0444);
MODULE_PARM_DESC(providers, "Providers to create nodes for at load: comma-separated names, or \"all\"");

static void p2pvid_create_at_load(void)
{
	char name[P2PBUF_NAME_LEN];
	char *list, *p, *n;
	u32 i;

	if (!providers || !*providers)
		return;
	if (!strcmp(providers, "all")) {
		for (i = 0; !p2pbuf_provider_name(i, name); i++)
			if (p2pvid_create(name))
				pr_warn("p2pbuf_video: no nodes for provider %s\n", name);
		return;
	}
	list = kstrdup(providers, GFP_KERNEL);
	if (!list)
		return;
	for (p = list; (n = strsep(&p, ",")); )
		if (*n && p2pvid_create(n))
			pr_warn("p2pbuf_video: no nodes for provider '%s': not found or already has them (see /sys/class/p2pbuf_video/nodes)\n",
				n);
	kfree(list);
}

static int __init p2pvid_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(p2pvid_fourccs_all); i++) {
		const struct v4l2_format_info *info = v4l2_format_info(p2pvid_fourccs_all[i]);

		if (info && info->mem_planes == 1)
			p2pvid_fourccs[p2pvid_nfourccs++] = p2pvid_fourccs_all[i];
	}
	ret = class_register(&p2pvid_class);
	if (ret)
		return ret;
	ret = p2pbuf_register_notifier(&p2pvid_nb);
	if (ret) {
		class_unregister(&p2pvid_class);
		return ret;
	}
	p2pvid_create_at_load();
	return 0;
}

static void __exit p2pvid_exit(void)
{
	struct p2pvid *dev;

	p2pbuf_unregister_notifier(&p2pvid_nb);
	class_unregister(&p2pvid_class);
	mutex_lock(&p2pvid_list_lock);
	while ((dev = list_first_entry_or_null(&p2pvid_list, struct p2pvid, node))) {
		list_del(&dev->node);
		p2pvid_unregister(dev);
	}
	mutex_unlock(&p2pvid_list_lock);
}

module_init(p2pvid_init);
module_exit(p2pvid_exit);
MODULE_DESCRIPTION("V4L2 memory nodes over p2pbuf providers: a loopback in PCIe device memory");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(P2PBUF_NS(DMA_BUF));
