/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * chrmem: user-space interface of the chrmem character devices.
 *
 * This header is self-contained: it needs only <linux/ioctl.h> and
 * <linux/types.h>, which every Linux C library provides, so programs build
 * against it without a kernel tree.
 *
 * Every structure uses fixed-width types, no pointers and explicit padding,
 * so that 32-bit and 64-bit processes see the same layout and the driver
 * needs no compat translation.
 */
#ifndef _UAPI_LINUX_CHRMEM_H
#define _UAPI_LINUX_CHRMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Memory types for mappings of a device (sysfs "cache_mode"). */
#define CHRMEM_CACHE_CACHED	0	/* write-back, the default */
#define CHRMEM_CACHE_UNCACHED	1	/* uncached (UC- on x86) */
#define CHRMEM_CACHE_WC		2	/* write-combining */
/*
 * Only in chrmem_info.memory_type (sysfs "memory_type": "mixed"): a change
 * of the buffer's type failed half-way; it cannot be mapped until a change
 * succeeds. Should not happen; the kernel log says why it did.
 */
#define CHRMEM_MEMORY_TYPE_MIXED 0xff

/* How mmap() fills in the page tables (sysfs "map_mode"). */
#define CHRMEM_MAP_REMAP	0	/* whole area at mmap() time */
#define CHRMEM_MAP_FAULT	1	/* page by page, on first touch */

/*
 * The names of the modes in module parameters, sysfs and devctl: array
 * initialisers indexed by the values above, the one list of them that the
 * driver, devctl and the tests all use:
 *
 *	static const char *const names[] = CHRMEM_CACHE_MODE_NAMES;
 */
#define CHRMEM_CACHE_MODE_NAMES {			\
	[CHRMEM_CACHE_CACHED]	= "cached",		\
	[CHRMEM_CACHE_UNCACHED]	= "uncached",		\
	[CHRMEM_CACHE_WC]	= "wc",			\
}

#define CHRMEM_MEMORY_TYPE_MIXED_NAME	"mixed"

#define CHRMEM_MAP_MODE_NAMES {				\
	[CHRMEM_MAP_REMAP]	= "remap",		\
	[CHRMEM_MAP_FAULT]	= "fault",		\
}

/**
 * struct chrmem_info - what CHRMEM_IOC_GET_INFO reports about a device
 * @struct_size:   out: number of bytes of this structure the driver filled
 *                 in; fields beyond it are unknown to the running driver and
 *                 are zeroed
 * @index:         device number N of /dev/chrmemN
 * @size:          buffer size in bytes (a whole number of pages)
 * @cache_mode:    CHRMEM_CACHE_* used for new mappings
 * @map_mode:      CHRMEM_MAP_*
 * @mappings:      live user mappings (VMAs) of the buffer
 * @opens:         open files of the device
 * @bytes_read:    bytes returned by read() since load or the last RESET
 * @bytes_written: bytes accepted by write() since load or the last RESET
 * @chunks:        number of physically contiguous pieces of the buffer
 * @reserved:      zero
 * @memory_type:   CHRMEM_CACHE_* the buffer has now (since version 1):
 *                 @cache_mode whenever nothing maps it; uncached while an
 *                 O_SYNC mapping of a device of another mode lives
 *
 * The structure may grow at its end in later versions. Its size is part of
 * the ioctl number; the driver accepts any size from CHRMEM_INFO_SIZE_VER0
 * up, fills in what both sides know and zeroes the rest, so old binaries
 * keep working on new drivers and new binaries on old drivers.
 */
struct chrmem_info {
	__u32 struct_size;
	__u32 index;
	__u64 size;
	__u32 cache_mode;
	__u32 map_mode;
	__u32 mappings;
	__u32 opens;
	__u64 bytes_read;
	__u64 bytes_written;
	__u32 chunks;
	__u32 reserved;
	__u32 memory_type;
	__u32 reserved1;
};

#define CHRMEM_INFO_SIZE_VER0	56	/* the first version, up to reserved */
#define CHRMEM_INFO_SIZE_VER1	64	/* up to reserved1 */

/**
 * struct chrmem_sync - what CHRMEM_IOC_SYNC syncs
 * @offset:   first byte of the range, in the buffer
 * @length:   bytes; non-zero, and @offset + @length within the buffer
 * @flags:    CHRMEM_SYNC_START or CHRMEM_SYNC_END, or'd with
 *            CHRMEM_SYNC_READ, CHRMEM_SYNC_WRITE or both (CHRMEM_SYNC_RW):
 *            what the CPU is about to do (START) or has done (END)
 * @reserved: zero
 *
 * As DMA_BUF_IOCTL_SYNC, but for a range, on the buffer's binding (sysfs
 * dma_device): START | READ before the CPU reads what the device wrote,
 * END | WRITE after the CPU wrote what the device will read. A no-op on
 * cache-coherent machines (x86), cache maintenance on others.
 */
struct chrmem_sync {
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 reserved;
};

#define CHRMEM_SYNC_READ	0x1
#define CHRMEM_SYNC_WRITE	0x2
#define CHRMEM_SYNC_RW		(CHRMEM_SYNC_READ | CHRMEM_SYNC_WRITE)
#define CHRMEM_SYNC_START	0x0
#define CHRMEM_SYNC_END		0x4

/**
 * struct chrmem_export_dmabuf - what CHRMEM_IOC_EXPORT_DMABUF exports
 * @offset:   first byte of the range, in the buffer; a multiple of the page
 *            size
 * @length:   bytes; a non-zero multiple of the page size, and @offset +
 *            @length within the buffer
 * @flags:    O_RDONLY or O_RDWR, or'd with O_CLOEXEC or not: the access
 *            mode of the dma-buf file (what its mmap() allows) and the
 *            close-on-exec flag of its descriptor
 * @reserved: zero
 *
 * The range becomes a dma-buf: a file that kernel drivers import (V4L2,
 * DRM, ...) to have their devices DMA into it, each through its own DMA
 * mapping (an IOMMU's addresses where there is one), and that mmap()s the
 * range with the buffer's memory type. While any dma-buf of a buffer
 * lives, its memory type, cache_mode and dma_device stay as they are
 * (EBUSY) and the module stays loaded.
 */
struct chrmem_export_dmabuf {
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 reserved;
};

/*
 * ioctl numbers. 0xC7 is free in
 * Documentation/userspace-api/ioctl/ioctl-number.rst.
 */
#define CHRMEM_IOC_MAGIC	0xC7

/* Zero the whole buffer. */
#define CHRMEM_IOC_CLEAR	_IO(CHRMEM_IOC_MAGIC, 0x00)
/* Restore the load-time content and zero the statistics counters. */
#define CHRMEM_IOC_RESET	_IO(CHRMEM_IOC_MAGIC, 0x01)
/* Fill in a struct chrmem_info. */
#define CHRMEM_IOC_GET_INFO	_IOR(CHRMEM_IOC_MAGIC, 0x02, struct chrmem_info)
/* Set the CHRMEM_CACHE_* of new mappings; EBUSY while mapped. */
#define CHRMEM_IOC_SET_CACHE_MODE _IOW(CHRMEM_IOC_MAGIC, 0x03, __u32)

/*
 * Sync a range of the buffer for the CPU or for the bound device.
 * EINVAL: bad range or flags; ENODEV: the buffer is bound to no device.
 */
#define CHRMEM_IOC_SYNC		_IOW(CHRMEM_IOC_MAGIC, 0x04, struct chrmem_sync)

/*
 * Export a range of the buffer as a dma-buf; returns its new descriptor.
 * EINVAL: bad range, flags or reserved field; EBADF: the device is not
 * open for writing; ENOTTY: a kernel without dma-buf.
 */
#define CHRMEM_IOC_EXPORT_DMABUF _IOW(CHRMEM_IOC_MAGIC, 0x05, struct chrmem_export_dmabuf)

/*
 * The memdev tutorials this driver grew from call ioctl(fd, 0) and
 * ioctl(fd, 1); the driver accepts those bare numbers as aliases of
 * CHRMEM_IOC_CLEAR and CHRMEM_IOC_RESET. New code should not use them.
 */
#define CHRMEM_IOC_LEGACY_CLEAR	0
#define CHRMEM_IOC_LEGACY_RESET	1

#endif /* _UAPI_LINUX_CHRMEM_H */
