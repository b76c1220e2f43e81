// SPDX-License-Identifier: GPL-2.0
/*
 * vivid.c - a V4L2 capture driver fills chrmem dma-bufs: vivid, the
 * kernel's virtual video driver, imports ranges of the buffer exported
 * with CHRMEM_IOC_EXPORT_DMABUF (V4L2_MEMORY_DMABUF) and captures frames
 * into them, which arrive in the test's mmap() of the device and in
 * read(), in every cache mode; and the bad cases: a dma-buf too small for
 * the format, an export closed while vivid holds it, rmmod meanwhile.
 *
 * vivid's two vb2 allocators import a dma-buf differently:
 *  - vmalloc (allocators=0, vivid's default) writes through
 *    dma_buf_vmap(), which maps the range for the kernel with the
 *    buffer's memory type;
 *  - dma-contig (allocators=1) maps the dma-buf for vivid's platform
 *    device (map_dma_buf, dma_map_sgtable) and needs the range contiguous
 *    in that device's addresses: a range within one 4 MiB chunk is.
 * The vivid lane of tests/run-guest-suites loads one instance of each,
 * video capture only, with one (webcam) input:
 *
 *	vivid.n_devs=2 vivid.node_types=0x1,0x1 vivid.num_inputs=1,1
 *	vivid.allocators=0,1
 *
 * and finds them here by VIDIOC_QUERYCAP (driver "vivid", single-planar
 * video capture, bus_info "platform:vivid-NNN") and vivid's allocators
 * parameter. Needs a buffer of 1 MiB or more (the lane: size=6M). Run as
 * root (rmmod attempts).
 *
 * What is compared: vivid's picture is its test pattern (75% colour bars,
 * not moving) with an on-screen text in the top rows that changes every
 * frame (a time and a frame counter). The test turns that text off with
 * vivid's own control, "OSD Text Mode" = "None", found by name (its id is
 * private to vivid), and then compares whole frames: every byte, where
 * comparing the rows below the text would leave the top rows unchecked.
 * The reference is vivid's own capture into its MMAP buffers, and two of
 * its frames must be equal, which proves the picture does not change from
 * frame to frame before any chrmem frame is held to it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chrmem_test.h"

#define VIVID_ALLOC_VMALLOC	0
#define VIVID_ALLOC_DMA_CONTIG	1

/* The smallest webcam size vivid offers; YUYV, 2 bytes a pixel. */
#define FRAME_WIDTH	320
#define FRAME_HEIGHT	180
#define MIN_BUFS	2	/* what vivid's queue takes at least */
#define NR_BUFS		3
#define NR_FRAMES	(2 * NR_BUFS)	/* each buffer filled twice */
#define FILL		0x5a	/* what the buffer holds before a frame */
#define FRAME_WAIT_MS	20000	/* one frame, however slow the guest */

/* Retries what a signal interrupted. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/* vivid's allocators= for instance @inst, from sysfs; -1 if unknown. */
static int vivid_allocator(unsigned int inst)
{
	char text[512], *p = text, *end;
	unsigned long v;
	unsigned int i;

	if (read_text("/sys/module/vivid/parameters/allocators", text, sizeof(text)))
		return -1;
	for (i = 0;; i++) {
		v = strtoul(p, &end, 0);
		if (end == p)
			return -1;
		if (i == inst)
			return (int)v;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/*
 * Puts in @path the video capture node of a vivid instance with @allocator:
 * single-planar, streaming. Return: whether there is one.
 */
static bool find_vivid(int allocator, char *path, size_t len)
{
	struct v4l2_capability cap;
	struct dirent *de;
	unsigned int inst, caps;
	bool found = false;
	DIR *dir = opendir("/dev");
	int fd;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(path, len, "/dev/%s", de->d_name);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!xioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid") &&
		    sscanf((char *)cap.bus_info, "platform:vivid-%u", &inst) == 1) {
			caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
			       cap.device_caps : cap.capabilities;
			found = (caps & V4L2_CAP_VIDEO_CAPTURE) &&
				(caps & V4L2_CAP_STREAMING) &&
				vivid_allocator(inst) == allocator;
		}
		close(fd);
	}
	closedir(dir);
	return found;
}

static const char *allocator_name(int allocator)
{
	return allocator == VIVID_ALLOC_DMA_CONTIG ? "dma-contig" : "vmalloc";
}

static int export_range(int fd, uint64_t off, uint64_t len)
{
	struct chrmem_export_dmabuf req = {
		.offset = off, .length = len, .flags = O_RDWR | O_CLOEXEC,
	};

	return ioctl(fd, CHRMEM_IOC_EXPORT_DMABUF, &req);
}

FIXTURE(vivid) {
	int fd;			/* /dev/chrmemN */
	uint64_t size;
	size_t page;
	uint32_t cache_mode;	/* the device's, restored at teardown */
	int vfd;		/* vivid's capture node, or -1 */
	struct v4l2_pix_format pix;	/* the format vivid agreed to */
	size_t slot;		/* a frame's range: sizeimage in pages */
	uint8_t *map;		/* the device mapped, NR_BUFS slots */
	int dmabuf[NR_BUFS];	/* the exports, -1 once closed */
	uint8_t *ref;		/* vivid's own frame (MMAP) */
	uint8_t *tmp;		/* a frame read() back */
};

FIXTURE_SETUP(vivid)
{
	struct chrmem_info info;
	int i;

	self->vfd = -1;
	self->map = NULL;
	self->ref = NULL;
	self->tmp = NULL;
	for (i = 0; i < NR_BUFS; i++)
		self->dmabuf[i] = -1;
	self->fd = open_dev(dev_index(), O_RDWR);
	self->size = dev_size(self->fd);
	self->page = page_size();
	get_info(self->fd, &info);
	self->cache_mode = info.cache_mode;
	ASSERT_GE(self->size, 1ULL << 20);
}

static void close_exports(struct th_fixture_vivid *self)
{
	int i;

	for (i = 0; i < NR_BUFS; i++) {
		if (self->dmabuf[i] >= 0)
			close(self->dmabuf[i]);
		self->dmabuf[i] = -1;
	}
}

static void unmap_slots(struct th_fixture_vivid *self)
{
	if (self->map)
		munmap(self->map, NR_BUFS * self->slot);
	self->map = NULL;
}

/* vivid's queue goes first: it holds the exports, which hold the type. */
FIXTURE_TEARDOWN(vivid)
{
	if (self->vfd >= 0)
		close(self->vfd);
	close_exports(self);
	unmap_slots(self);
	free(self->ref);
	free(self->tmp);
	if (self->fd >= 0) {
		set_cache_mode(self->fd, self->cache_mode);
		close(self->fd);
	}
}

/* Sets the menu control named @name of vivid's node to its item @item. */
static void set_menu_control_(struct th_test *_metadata, int vfd,
			      const char *name, const char *item)
{
	struct v4l2_queryctrl qc = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
	struct v4l2_querymenu qm;
	struct v4l2_control ctrl;
	bool found = false;
	int i;

	while (!found && !xioctl(vfd, VIDIOC_QUERYCTRL, &qc)) {
		found = !strcmp((char *)qc.name, name);
		if (!found)
			qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	if (!found)
		TH_LOG("vivid has no control named \"%s\"", name);
	ASSERT_TRUE(found);
	ASSERT_EQ(V4L2_CTRL_TYPE_MENU, qc.type);
	for (i = qc.minimum; i <= qc.maximum; i++) {
		memset(&qm, 0, sizeof(qm));
		qm.id = qc.id;
		qm.index = i;
		if (!xioctl(vfd, VIDIOC_QUERYMENU, &qm) && !strcmp((char *)qm.name, item))
			break;
	}
	if (i > qc.maximum)
		TH_LOG("vivid's control \"%s\" has no item \"%s\"", name, item);
	ASSERT_LE(i, qc.maximum);
	ctrl.id = qc.id;
	ctrl.value = i;
	ASSERT_OK(xioctl(vfd, VIDIOC_S_CTRL, &ctrl));
}
#define set_menu_control(vfd, name, item) \
	set_menu_control_(_metadata, vfd, name, item)

/*
 * Opens the capture node of the vivid instance with @allocator: its first
 * input (the webcam), FRAME_WIDTH x FRAME_HEIGHT YUYV, the highest frame
 * rate (60/s: vivid's default of 5 would make the test slow, not surer),
 * no on-screen text.
 */
static void open_vivid_(struct th_test *_metadata,
			struct th_fixture_vivid *self, int allocator)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	char path[300];
	int input = 0;

	if (!find_vivid(allocator, path, sizeof(path))) {
		if (!th_strict())
			SKIP("no vivid video capture node (modprobe vivid)");
		TH_LOG("no /dev/video* of driver vivid with single-planar video capture and allocators=%d (%s)",
		       allocator, allocator_name(allocator));
		ASSERT_TRUE(false);
	}
	self->vfd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_OK(self->vfd);
	ASSERT_OK(xioctl(self->vfd, VIDIOC_S_INPUT, &input));
	fmt.fmt.pix.width = FRAME_WIDTH;
	fmt.fmt.pix.height = FRAME_HEIGHT;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_OK(xioctl(self->vfd, VIDIOC_S_FMT, &fmt));
	self->pix = fmt.fmt.pix;
	ASSERT_EQ(V4L2_PIX_FMT_YUYV, self->pix.pixelformat);
	ASSERT_EQ(FRAME_WIDTH, self->pix.width);
	ASSERT_EQ(FRAME_HEIGHT, self->pix.height);
	ASSERT_GE(self->pix.bytesperline, 2 * self->pix.width);
	ASSERT_GE(self->pix.sizeimage, self->pix.bytesperline * self->pix.height);
	self->slot = (self->pix.sizeimage + self->page - 1) / self->page * self->page;
	ASSERT_LE(NR_BUFS * self->slot, self->size);
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = 60;
	ASSERT_OK(xioctl(self->vfd, VIDIOC_S_PARM, &parm));
	set_menu_control(self->vfd, "OSD Text Mode", "None");
	TH_LOG("%s: vivid with %s, %ux%u YUYV, sizeimage %u", path,
	       allocator_name(allocator), self->pix.width, self->pix.height,
	       self->pix.sizeimage);
	self->ref = xmalloc(self->pix.sizeimage);
	self->tmp = xmalloc(self->pix.sizeimage);
}
#define open_vivid(allocator)	open_vivid_(_metadata, self, allocator)

static void reqbufs_(struct th_test *_metadata, int vfd, uint32_t memory,
		     uint32_t count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
	};

	ASSERT_OK(xioctl(vfd, VIDIOC_REQBUFS, &rb));
	ASSERT_EQ(count, rb.count);
}
#define reqbufs(vfd, memory, count)	reqbufs_(_metadata, vfd, memory, count)

static int stream(int vfd, unsigned long req)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return xioctl(vfd, req, &type);
}

/* QBUF of buffer @index with the dma-buf @fd of @len bytes: 0 or -1. */
static int qbuf_dmabuf(int vfd, uint32_t index, int fd, uint32_t len)
{
	struct v4l2_buffer buf = {
		.index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF, .length = len,
	};

	buf.m.fd = fd;
	return xioctl(vfd, VIDIOC_QBUF, &buf);
}

/*
 * The next frame, waiting for it with poll() (the node is O_NONBLOCK), at
 * most FRAME_WAIT_MS: a bound on a hang, not a measure of speed. Checks
 * what every frame must say: complete, without error.
 */
static void dqbuf_(struct th_test *_metadata, struct th_fixture_vivid *self,
		   uint32_t memory, struct v4l2_buffer *buf)
{
	struct pollfd pfd = { .fd = self->vfd, .events = POLLIN };
	int tries;

	for (tries = 0;; tries++) {
		memset(buf, 0, sizeof(*buf));
		buf->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		buf->memory = memory;
		if (!xioctl(self->vfd, VIDIOC_DQBUF, buf))
			break;
		ASSERT_EQ(EAGAIN, errno);
		/* poll() said a buffer was done, yet none was. */
		ASSERT_EQ(0, tries);
		pfd.revents = 0;
		if (poll(&pfd, 1, FRAME_WAIT_MS) != 1)
			TH_LOG("no frame within %d s", FRAME_WAIT_MS / 1000);
		ASSERT_TRUE(pfd.revents & POLLIN);
	}
	ASSERT_LT(buf->index, NR_BUFS);
	EXPECT_EQ(0, buf->flags & V4L2_BUF_FLAG_ERROR);
	EXPECT_EQ(self->pix.sizeimage, buf->bytesused);
}
#define dqbuf(memory, buf)	dqbuf_(_metadata, self, memory, buf)

/* @got is vivid's picture, byte for byte; says where it is not. */
static void expect_frame_(struct th_test *_metadata, const char *what,
			  unsigned int n, const uint8_t *got,
			  const uint8_t *ref, size_t len)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < len; i++) {
		if (got[i] != ref[i] && !bad++)
			first = i;
	}
	if (!bad)
		return;
	TH_LOG("%s, frame %u: %zu of %zu bytes differ from vivid's own frame; first at +%zu (row %zu): 0x%02x, vivid's 0x%02x",
	       what, n, bad, len, first, first / (len / FRAME_HEIGHT),
	       got[first], ref[first]);
	th_fail(_metadata, false);
}
#define expect_frame(what, n, got, ref, len) \
	expect_frame_(_metadata, what, n, got, ref, len)

/*
 * vivid's own frame, captured into its own (MMAP) buffers, into
 * self->ref; a second frame must be the same picture.
 */
static void capture_reference_(struct th_test *_metadata,
			       struct th_fixture_vivid *self)
{
	size_t len = self->pix.sizeimage, first;
	struct v4l2_buffer buf;
	void *bufs[2];
	size_t lens[2];
	uint32_t i;

	reqbufs(self->vfd, V4L2_MEMORY_MMAP, 2);
	for (i = 0; i < 2; i++) {
		memset(&buf, 0, sizeof(buf));
		buf.index = i;
		buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		buf.memory = V4L2_MEMORY_MMAP;
		ASSERT_OK(xioctl(self->vfd, VIDIOC_QUERYBUF, &buf));
		ASSERT_GE(buf.length, len);
		lens[i] = buf.length;
		bufs[i] = mmap(NULL, buf.length, PROT_READ, MAP_SHARED, self->vfd,
			       buf.m.offset);
		ASSERT_NE(MAP_FAILED, bufs[i]);
		ASSERT_OK(xioctl(self->vfd, VIDIOC_QBUF, &buf));
	}
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMON));
	for (i = 0; i < 2; i++) {
		dqbuf(V4L2_MEMORY_MMAP, &buf);
		if (!i)
			memcpy(self->ref, bufs[buf.index], len);
		else
			expect_frame("vivid's MMAP buffer", 1, bufs[buf.index],
				     self->ref, len);
	}
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMOFF));
	for (i = 0; i < 2; i++)
		ASSERT_OK(munmap(bufs[i], lens[i]));
	reqbufs(self->vfd, V4L2_MEMORY_MMAP, 0);
	/* Most of it differs from FILL, so FILL left in place never passes. */
	ASSERT_GT(check_fill(self->ref, len, FILL, &first), len / 2);
}
#define capture_reference()	capture_reference_(_metadata, self)

/*
 * The device mapped, NR_BUFS slots from offset 0 (all in the first 4 MiB
 * chunk), filled with FILL; DMABUF buffers, each slot exported and queued.
 */
static void queue_exports_(struct th_test *_metadata,
			   struct th_fixture_vivid *self)
{
	uint32_t i;

	self->map = map_dev(self->fd, 0, NR_BUFS * self->slot,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	memset(self->map, FILL, NR_BUFS * self->slot);
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, NR_BUFS);
	for (i = 0; i < NR_BUFS; i++) {
		self->dmabuf[i] = export_range(self->fd, i * self->slot, self->slot);
		ASSERT_OK(self->dmabuf[i]);
		ASSERT_OK(qbuf_dmabuf(self->vfd, i, self->dmabuf[i], self->slot));
	}
}
#define queue_exports()	queue_exports_(_metadata, self)

/* DMA_BUF_SYNC_START or _END of CPU reads and writes. */
static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_RW };

	return xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/*
 * Frame @n in buffer @index, seen through the mapping and read(): vivid's
 * picture, and FILL after it up to the end of the slot (vivid wrote
 * sizeimage bytes, at the offset of the buffer's range).
 */
static void expect_slot_(struct th_test *_metadata,
			 struct th_fixture_vivid *self, const char *what,
			 unsigned int n, uint32_t index)
{
	size_t len = self->pix.sizeimage;
	const uint8_t *slot = self->map + index * self->slot;

	expect_frame(what, n, slot, self->ref, len);
	EXPECT_FILLED(slot + len, self->slot - len, FILL);
	pread_all(self->fd, self->tmp, len, index * self->slot);
	expect_frame("read() of the buffer", n, self->tmp, self->ref, len);
}
#define expect_slot(what, n, index)	expect_slot_(_metadata, self, what, n, index)

/*
 * NR_FRAMES frames into the exports: each one checked, its slot filled
 * with FILL again and requeued, so every frame checked is a new one.
 * CPU access is bracketed with DMA_BUF_IOCTL_SYNC, as for any importer.
 */
static void capture_into_exports_(struct th_test *_metadata,
				  struct th_fixture_vivid *self,
				  const char *what)
{
	struct v4l2_buffer buf;
	unsigned int n;
	int fd;

	queue_exports();
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMON));
	for (n = 0; n < NR_FRAMES; n++) {
		dqbuf(V4L2_MEMORY_DMABUF, &buf);
		fd = self->dmabuf[buf.index];
		ASSERT_OK(dmabuf_sync(fd, DMA_BUF_SYNC_START));
		expect_slot(what, n, buf.index);
		memset(self->map + buf.index * self->slot, FILL, self->slot);
		ASSERT_OK(dmabuf_sync(fd, DMA_BUF_SYNC_END));
		ASSERT_OK(qbuf_dmabuf(self->vfd, buf.index, fd, self->slot));
	}
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMOFF));
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, 0);
	close_exports(self);
	unmap_slots(self);
}
#define capture_into_exports(what)	capture_into_exports_(_metadata, self, what)

/* vivid's frames reach the mapping and read() in each cache mode. */
static void every_cache_mode_(struct th_test *_metadata,
			      struct th_fixture_vivid *self, int allocator)
{
	char what[64];
	uint32_t mode;

	open_vivid(allocator);
	capture_reference();
	for (mode = 0; mode < CHRMEM_CACHE_MODES; mode++) {
		ASSERT_OK(set_cache_mode(self->fd, mode));
		snprintf(what, sizeof(what), "%s, %s mapping",
			 allocator_name(allocator), cache_mode_names[mode]);
		capture_into_exports(what);
		EXPECT_EQ(mode, sysfs_cache_type(dev_index(), "memory_type"));
	}
}

TEST_F_TIMEOUT(vivid, vmalloc_captures_into_exports_in_every_cache_mode, 300)
{
	every_cache_mode_(_metadata, self, VIVID_ALLOC_VMALLOC);
}

TEST_F_TIMEOUT(vivid, dma_contig_captures_into_exports_in_every_cache_mode, 300)
{
	every_cache_mode_(_metadata, self, VIVID_ALLOC_DMA_CONTIG);
}

/* vb2 checks the dma-buf against the format's sizeimage: EINVAL. */
static void too_small_einval_(struct th_test *_metadata,
			      struct th_fixture_vivid *self, int allocator)
{
	size_t small;

	open_vivid(allocator);
	small = self->slot - self->page;
	ASSERT_GE(small, self->page);
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, MIN_BUFS);
	self->dmabuf[0] = export_range(self->fd, 0, small);
	ASSERT_OK(self->dmabuf[0]);
	EXPECT_ERRNO(EINVAL, qbuf_dmabuf(self->vfd, 0, self->dmabuf[0], small));
	/* Length 0: "the dma-buf's size", as small. */
	EXPECT_ERRNO(EINVAL, qbuf_dmabuf(self->vfd, 0, self->dmabuf[0], 0));
	/*
	 * Not tried: a length that claims more than the dma-buf has. vb2's
	 * allocators refuse it in attach_dmabuf (EFAULT), and from 6.12 on
	 * (6.12.118, 7.2.13; not 6.1) vb2's __prepare_dmabuf() then leaks its
	 * reference to the dma-buf: the export never goes, the buffer's type
	 * stays frozen and chrmem can never be unloaded (seen here; a vb2
	 * bug, not chrmem's).
	 */
	/* A single page, the smallest export. */
	close_exports(self);
	self->dmabuf[0] = export_range(self->fd, self->slot, self->page);
	ASSERT_OK(self->dmabuf[0]);
	EXPECT_ERRNO(EINVAL, qbuf_dmabuf(self->vfd, 0, self->dmabuf[0], self->page));
	/* It was the size: one large enough is taken. */
	close_exports(self);
	self->dmabuf[0] = export_range(self->fd, 0, self->slot);
	ASSERT_OK(self->dmabuf[0]);
	EXPECT_OK(qbuf_dmabuf(self->vfd, 0, self->dmabuf[0], self->slot));
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, 0);
}

TEST_F(vivid, a_dmabuf_too_small_for_the_format_is_einval)
{
	too_small_einval_(_metadata, self, VIVID_ALLOC_VMALLOC);
	EXPECT_OK(close(self->vfd));
	self->vfd = -1;
	too_small_einval_(_metadata, self, VIVID_ALLOC_DMA_CONTIG);
}

static uint32_t other_mode(uint32_t mode)
{
	return mode == CHRMEM_CACHE_CACHED ? CHRMEM_CACHE_WC : CHRMEM_CACHE_CACHED;
}

/*
 * Every export closed and unmapped once queued: vivid's references keep
 * them, and the buffer's type frozen (EBUSY), through a capture, until
 * REQBUFS 0 lets them go, after which the type may change again.
 */
static void closed_export_lives_(struct th_test *_metadata,
				 struct th_fixture_vivid *self, int allocator)
{
	uint32_t other = other_mode(self->cache_mode);
	struct v4l2_buffer buf;
	unsigned int n;

	open_vivid(allocator);
	capture_reference();
	queue_exports();
	close_exports(self);
	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMON));
	for (n = 0; n < NR_BUFS; n++) {
		dqbuf(V4L2_MEMORY_DMABUF, &buf);
		expect_slot("an export closed after QBUF", n, buf.index);
	}
	unmap_slots(self);
	ASSERT_OK(stream(self->vfd, VIDIOC_STREAMOFF));
	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, 0);
	EXPECT_OK(set_cache_mode(self->fd, other));
	EXPECT_OK(set_cache_mode(self->fd, self->cache_mode));
}

TEST_F_TIMEOUT(vivid, an_export_closed_after_qbuf_lives_until_reqbufs_0, 120)
{
	closed_export_lives_(_metadata, self, VIVID_ALLOC_VMALLOC);
	EXPECT_OK(close(self->vfd));
	self->vfd = -1;
	closed_export_lives_(_metadata, self, VIVID_ALLOC_DMA_CONTIG);
}

/* Only vivid holds the module: every chrmem file and export is closed. */
TEST_F(vivid, rmmod_refused_while_vivid_holds_an_export)
{
	open_vivid(VIVID_ALLOC_VMALLOC);
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, MIN_BUFS);
	self->dmabuf[0] = export_range(self->fd, 0, self->slot);
	ASSERT_OK(self->dmabuf[0]);
	ASSERT_OK(qbuf_dmabuf(self->vfd, 0, self->dmabuf[0], self->slot));
	close_exports(self);
	ASSERT_OK(close(self->fd));
	self->fd = -1;
	EXPECT_EQ(1, module_refcnt());
	EXPECT_ERR(EWOULDBLOCK, unload_module());
	EXPECT_TRUE(module_loaded());
	/* vivid let go of it: nothing holds the module any more. */
	reqbufs(self->vfd, V4L2_MEMORY_DMABUF, 0);
	EXPECT_EQ(0, module_refcnt());
	self->fd = open_dev(dev_index(), O_RDWR);
}
