/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the test-only chrmem_importer module: a kernel driver's
 * side of a chrmem dma-buf, for the guest tests.
 *  - IMPORTER_IOC_MAP imports a dma-buf descriptor, attaches a PCI
 *    device to it (QEMU's edu in the tests), maps it for that device with
 *    dma_buf_map_attachment() and reports the sg table's DMA segments: the
 *    addresses the device is to use. The mapping lives until
 *    IMPORTER_IOC_UNMAP or the close of the importer's file.
 *  - IMPORTER_IOC_VMAP reads the first bytes of a dma-buf through
 *    dma_buf_vmap(), inside begin/end_cpu_access.
 * The device is root's alone (mode 0600).
 */
#ifndef CHRMEM_IMPORTER_H
#define CHRMEM_IMPORTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IMPORTER_DEV		"/dev/chrmem_importer"
#define IMPORTER_KO		"/chrmem/chrmem_importer.ko"
#define IMPORTER_MAX_SEGS	16

struct importer_segment {
	__u64 addr;
	__u64 len;
};

struct importer_map {
	__s32 fd;		/* in: the dma-buf */
	__u16 domain;		/* in: the PCI device */
	__u8 bus;
	__u8 devfn;
	__u32 nr_segs;		/* out: DMA segments (entries) of the table */
	__u32 reserved;
	struct importer_segment segs[IMPORTER_MAX_SEGS];	/* out: the first */
};

struct importer_vmap {
	__s32 fd;		/* in: the dma-buf */
	__u32 reserved;
	__u8 data[64];		/* out: its first bytes */
};

#define IMPORTER_IOC_MAP	_IOWR(0xC7, 0xE0, struct importer_map)
#define IMPORTER_IOC_UNMAP	_IO(0xC7, 0xE1)
#define IMPORTER_IOC_VMAP	_IOWR(0xC7, 0xE2, struct importer_vmap)

#endif /* CHRMEM_IMPORTER_H */
