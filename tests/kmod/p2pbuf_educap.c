// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf_educap: a test-only V4L2 capture driver whose frames are written
 * by a PCI device's DMA engine, standing in for an SDI or DVB card.
 *
 * It binds QEMU's "edu" PCI device (1234:11e8). The device has a 4 KiB
 * buffer and a DMA engine that copies up to 4 KiB between that buffer and
 * a bus address, one transfer per ~100 ms. At probe a pattern (see
 * educap_template()) is loaded into the device's buffer once; each frame
 * is then written into the queued vb2 buffer by the device's DMA alone,
 * chunk by chunk, from a window of that buffer whose position follows the
 * frame's sequence number. So every byte of a frame crosses the bus from
 * the device to the address the buffer's exporter handed out: with a
 * p2pbuf buffer behind the same PCIe switch, peer to peer into the other
 * device's BAR.
 *
 * One format: YUYV 32x32 (2048 bytes, one transfer, ~10 frames per
 * second). Frame of sequence n, chunk k (here only k = 0): the 2048 bytes
 * of the device buffer from offset (n * 97 + k * 1009) % 2016.
 * tests/vm/verify-frames.py --pattern educap computes the same.
 *
 * vb2-dma-contig: MMAP (RAM) and DMABUF (any exporter that gives one
 * contiguous DMA range). dma_bits= sets the DMA mask (default 64); QEMU
 * must run the device with dma_mask=0xffffffffffffffff.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/videodev2.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-v4l2.h>

#include "edu_hw.h"

#define EDUCAP_W		32
#define EDUCAP_H		32
#define EDUCAP_BPL		(EDUCAP_W * 2)
#define EDUCAP_SIZE		(EDUCAP_BPL * EDUCAP_H)
#define EDUCAP_CHUNK		2048
#define EDUCAP_TEMPLATE		4064	/* the device takes < 4096 per transfer */
#define EDUCAP_FPS		10

static unsigned int dma_bits = 64;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "DMA mask width the device claims (default 64; e.g. 28 to test an importer that cannot reach a BAR)");

struct educap_buf {
	struct vb2_v4l2_buffer vb;
	struct list_head node;
};

struct educap {
	struct pci_dev *pdev;
	void __iomem *mmio;
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* the video device and its queue */
	spinlock_t qlock;		/* queued */
	struct list_head queued;
	wait_queue_head_t wq;
	struct task_struct *thread;
	u32 sequence;
	u64 dma_errors;
};

/* The device buffer's content: xorshift32 bytes (the verifier's too). */
static void educap_template(u8 *t, size_t len)
{
	u32 x = 0x2545f491;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		t[i] = x & 0xff;
	}
}

static int educap_load_template(struct educap *ec)
{
	dma_addr_t dma;
	void *t;
	int ret;

	t = dma_alloc_coherent(&ec->pdev->dev, EDUCAP_TEMPLATE, &dma, GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	educap_template(t, EDUCAP_TEMPLATE);
	ret = edu_hw_dma(ec->mmio, dma, EDU_BUF_ADDR, EDUCAP_TEMPLATE, 0);
	dma_free_coherent(&ec->pdev->dev, EDUCAP_TEMPLATE, t, dma);
	return ret;
}

static struct educap_buf *educap_next(struct educap *ec)
{
	struct educap_buf *b;

	spin_lock_irq(&ec->qlock);
	b = list_first_entry_or_null(&ec->queued, struct educap_buf, node);
	if (b)
		list_del(&b->node);
	spin_unlock_irq(&ec->qlock);
	return b;
}

/* One frame into @b by the device's DMA. */
static int educap_fill(struct educap *ec, struct educap_buf *b, u32 seq)
{
	dma_addr_t dst = vb2_dma_contig_plane_dma_addr(&b->vb.vb2_buf, 0);
	unsigned int k;
	int ret;

	for (k = 0; k < EDUCAP_SIZE / EDUCAP_CHUNK; k++) {
		u32 off = (seq * 97 + k * 1009) % (EDUCAP_TEMPLATE - EDUCAP_CHUNK);

		ret = edu_hw_dma(ec->mmio, EDU_BUF_ADDR + off, dst + k * EDUCAP_CHUNK,
				 EDUCAP_CHUNK, EDU_DMA_TO_RAM);
		if (ret)
			return ret;
	}
	return 0;
}

static int educap_thread(void *data)
{
	struct educap *ec = data;

	while (!kthread_should_stop()) {
		struct educap_buf *b;
		int ret;

		wait_event_interruptible_timeout(ec->wq, kthread_should_stop() ||
						 !list_empty(&ec->queued), HZ / 10);
		b = educap_next(ec);
		if (!b)
			continue;
		ret = educap_fill(ec, b, ec->sequence);
		b->vb.sequence = ec->sequence++;
		b->vb.field = V4L2_FIELD_NONE;
		b->vb.vb2_buf.timestamp = ktime_get_ns();
		if (ret) {
			ec->dma_errors++;
			dev_err_ratelimited(&ec->pdev->dev, "DMA of frame %u failed: %d\n",
					    b->vb.sequence, ret);
			vb2_buffer_done(&b->vb.vb2_buf, VB2_BUF_STATE_ERROR);
			continue;
		}
		vb2_set_plane_payload(&b->vb.vb2_buf, 0, EDUCAP_SIZE);
		vb2_buffer_done(&b->vb.vb2_buf, VB2_BUF_STATE_DONE);
	}
	return 0;
}

static int educap_queue_setup(struct vb2_queue *q, unsigned int *nbufs,
			      unsigned int *nplanes, unsigned int sizes[],
			      struct device *alloc_devs[])
{
	if (*nplanes)
		return *nplanes != 1 || sizes[0] < EDUCAP_SIZE ? -EINVAL : 0;
	*nplanes = 1;
	sizes[0] = EDUCAP_SIZE;
	return 0;
}

static int educap_buf_prepare(struct vb2_buffer *vb)
{
	if (vb2_plane_size(vb, 0) < EDUCAP_SIZE)
		return -EINVAL;
	vb2_set_plane_payload(vb, 0, EDUCAP_SIZE);
	return 0;
}

static void educap_buf_queue(struct vb2_buffer *vb)
{
	struct educap *ec = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct educap_buf *b = container_of(vbuf, struct educap_buf, vb);
	unsigned long flags;

	spin_lock_irqsave(&ec->qlock, flags);
	list_add_tail(&b->node, &ec->queued);
	spin_unlock_irqrestore(&ec->qlock, flags);
	wake_up(&ec->wq);
}

static void educap_return_all(struct educap *ec, enum vb2_buffer_state state)
{
	struct educap_buf *b;

	while ((b = educap_next(ec)))
		vb2_buffer_done(&b->vb.vb2_buf, state);
}

static int educap_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct educap *ec = vb2_get_drv_priv(q);

	ec->sequence = 0;
	ec->thread = kthread_run(educap_thread, ec, "educap-%s", pci_name(ec->pdev));
	if (IS_ERR(ec->thread)) {
		int ret = PTR_ERR(ec->thread);

		ec->thread = NULL;
		educap_return_all(ec, VB2_BUF_STATE_QUEUED);
		return ret;
	}
	return 0;
}

static void educap_stop_streaming(struct vb2_queue *q)
{
	struct educap *ec = vb2_get_drv_priv(q);

	if (ec->thread) {
		kthread_stop(ec->thread);
		ec->thread = NULL;
	}
	educap_return_all(ec, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops educap_qops = {
	.queue_setup = educap_queue_setup,
	.buf_prepare = educap_buf_prepare,
	.buf_queue = educap_buf_queue,
	.start_streaming = educap_start_streaming,
	.stop_streaming = educap_stop_streaming,
};

static int educap_querycap(struct file *file, void *fh, struct v4l2_capability *cap)
{
	struct educap *ec = video_drvdata(file);

	strscpy(cap->driver, KBUILD_MODNAME, sizeof(cap->driver));
	strscpy(cap->card, "p2pbuf edu capture (test)", sizeof(cap->card));
	snprintf(cap->bus_info, sizeof(cap->bus_info), "PCI:%s", pci_name(ec->pdev));
	return 0;
}

static int educap_enum_fmt(struct file *file, void *fh, struct v4l2_fmtdesc *f)
{
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_YUYV;
	return 0;
}

static int educap_g_fmt(struct file *file, void *fh, struct v4l2_format *f)
{
	struct v4l2_pix_format *p = &f->fmt.pix;

	memset(p, 0, sizeof(*p));
	p->width = EDUCAP_W;
	p->height = EDUCAP_H;
	p->pixelformat = V4L2_PIX_FMT_YUYV;
	p->field = V4L2_FIELD_NONE;
	p->bytesperline = EDUCAP_BPL;
	p->sizeimage = EDUCAP_SIZE;
	p->colorspace = V4L2_COLORSPACE_SRGB;
	return 0;
}

static int educap_s_fmt(struct file *file, void *fh, struct v4l2_format *f)
{
	struct educap *ec = video_drvdata(file);

	if (vb2_is_busy(&ec->queue))
		return -EBUSY;
	return educap_g_fmt(file, fh, f);
}

static int educap_enum_framesizes(struct file *file, void *fh,
				  struct v4l2_frmsizeenum *fs)
{
	if (fs->index || fs->pixel_format != V4L2_PIX_FMT_YUYV)
		return -EINVAL;
	fs->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	fs->discrete.width = EDUCAP_W;
	fs->discrete.height = EDUCAP_H;
	return 0;
}

static int educap_enum_frameintervals(struct file *file, void *fh,
				      struct v4l2_frmivalenum *fi)
{
	if (fi->index || fi->pixel_format != V4L2_PIX_FMT_YUYV ||
	    fi->width != EDUCAP_W || fi->height != EDUCAP_H)
		return -EINVAL;
	fi->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fi->discrete.numerator = 1;
	fi->discrete.denominator = EDUCAP_FPS;
	return 0;
}

static int educap_g_parm(struct file *file, void *fh, struct v4l2_streamparm *a)
{
	if (a->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	memset(&a->parm.capture, 0, sizeof(a->parm.capture));
	a->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
	a->parm.capture.timeperframe.numerator = 1;
	a->parm.capture.timeperframe.denominator = EDUCAP_FPS;
	a->parm.capture.readbuffers = 0;
	return 0;
}

static int educap_enum_input(struct file *file, void *fh, struct v4l2_input *in)
{
	if (in->index)
		return -EINVAL;
	strscpy(in->name, "edu DMA", sizeof(in->name));
	in->type = V4L2_INPUT_TYPE_CAMERA;
	return 0;
}

static int educap_g_input(struct file *file, void *fh, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int educap_s_input(struct file *file, void *fh, unsigned int i)
{
	return i ? -EINVAL : 0;
}

static const struct v4l2_ioctl_ops educap_ioctl_ops = {
	.vidioc_querycap = educap_querycap,
	.vidioc_enum_fmt_vid_cap = educap_enum_fmt,
	.vidioc_g_fmt_vid_cap = educap_g_fmt,
	.vidioc_s_fmt_vid_cap = educap_s_fmt,
	.vidioc_try_fmt_vid_cap = educap_g_fmt,
	.vidioc_enum_framesizes = educap_enum_framesizes,
	.vidioc_enum_frameintervals = educap_enum_frameintervals,
	.vidioc_g_parm = educap_g_parm,
	.vidioc_s_parm = educap_g_parm,
	.vidioc_enum_input = educap_enum_input,
	.vidioc_g_input = educap_g_input,
	.vidioc_s_input = educap_s_input,
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

static const struct v4l2_file_operations educap_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.unlocked_ioctl = video_ioctl2,
	.mmap = vb2_fop_mmap,
	.poll = vb2_fop_poll,
};

static void educap_release(struct video_device *vdev)
{
	struct educap *ec = container_of(vdev, struct educap, vdev);

	v4l2_device_unregister(&ec->v4l2_dev);
	pci_dev_put(ec->pdev);
	kfree(ec);
}

static int educap_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct educap *ec;
	struct vb2_queue *q;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(min(dma_bits, 64U)));
	if (ret)
		return ret;
	pci_set_master(pdev);
	ec = kzalloc(sizeof(*ec), GFP_KERNEL);
	if (!ec)
		return -ENOMEM;
	ec->pdev = pci_dev_get(pdev);
	ec->mmio = pcim_iomap(pdev, 0, 0);
	if (!ec->mmio) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = edu_hw_check_id(pdev, ec->mmio);
	if (ret)
		goto err_free;
	ret = educap_load_template(ec);
	if (ret) {
		dev_err(&pdev->dev, "loading the pattern into the device failed: %d\n", ret);
		goto err_free;
	}
	mutex_init(&ec->lock);
	spin_lock_init(&ec->qlock);
	INIT_LIST_HEAD(&ec->queued);
	init_waitqueue_head(&ec->wq);

	ret = v4l2_device_register(&pdev->dev, &ec->v4l2_dev);
	if (ret)
		goto err_free;

	q = &ec->queue;
	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_DMABUF;
	q->drv_priv = ec;
	q->buf_struct_size = sizeof(struct educap_buf);
	q->ops = &educap_qops;
	q->mem_ops = &vb2_dma_contig_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	q->min_queued_buffers = 1;
	q->lock = &ec->lock;
	q->dev = &pdev->dev;
	ret = vb2_queue_init(q);
	if (ret)
		goto err_v4l2;

	strscpy(ec->vdev.name, "p2pbuf-educap", sizeof(ec->vdev.name));
	ec->vdev.v4l2_dev = &ec->v4l2_dev;
	ec->vdev.fops = &educap_fops;
	ec->vdev.ioctl_ops = &educap_ioctl_ops;
	ec->vdev.release = educap_release;
	ec->vdev.lock = &ec->lock;
	ec->vdev.queue = q;
	ec->vdev.device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	video_set_drvdata(&ec->vdev, ec);
	pci_set_drvdata(pdev, ec);
	ret = video_register_device(&ec->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err_v4l2;
	dev_info(&pdev->dev, "capture by DMA as %s (YUYV %ux%u, DMA mask %u bits)\n",
		 video_device_node_name(&ec->vdev), EDUCAP_W, EDUCAP_H, min(dma_bits, 64U));
	return 0;

err_v4l2:
	v4l2_device_unregister(&ec->v4l2_dev);
err_free:
	pci_dev_put(ec->pdev);
	kfree(ec);
	return ret;
}

static void educap_remove(struct pci_dev *pdev)
{
	struct educap *ec = pci_get_drvdata(pdev);

	/* stops streaming (vb2_video_unregister_device) before the device goes */
	vb2_video_unregister_device(&ec->vdev);
}

static const struct pci_device_id educap_ids[] = {
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, educap_ids);

static struct pci_driver educap_driver = {
	.name = "p2pbuf_educap",
	.id_table = educap_ids,
	.probe = educap_probe,
	.remove = educap_remove,
};
module_pci_driver(educap_driver);

MODULE_DESCRIPTION("p2pbuf test: V4L2 capture written by QEMU edu's DMA engine");
MODULE_LICENSE("GPL");
