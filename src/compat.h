/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels chrmem supports.
 *
 * Kbuild force-includes this file into every object, so the driver files
 * use one spelling of each interface (the newest kernel's, where that is
 * practical) and contain no version tests of their own. When a kernel
 * changes an interface, it is absorbed here and in the feature tests of
 * Kbuild, and nowhere else.
 */
#ifndef CHRMEM_COMPAT_H
#define CHRMEM_COMPAT_H

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sysfs.h>

/*
 * 6.3 made vma->vm_flags read-only behind vm_flags_set()/vm_flags_clear().
 * CHRMEM_HAVE_* come from the feature tests in Kbuild, which look at the
 * target tree itself, so distribution kernels with backports are right too.
 */
#ifndef CHRMEM_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The largest page order the buddy allocator hands out. Up to 6.3 that is
 * MAX_ORDER - 1; 6.8 renamed the inclusive limit MAX_PAGE_ORDER. (On 6.4 to
 * 6.7, where MAX_ORDER was already inclusive, this yields one order less:
 * smaller chunks, still correct.) Order 10, 4 MiB with 4 KiB pages, on all
 * supported x86 kernels.
 */
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

/*
 * Binary sysfs attributes are const on 7.2: .read() takes a const
 * struct bin_attribute *, and attribute_group.bin_attrs points to const
 * pointers to const attributes. The driver is written that way.
 * Before, .read() took a plain pointer: there, BIN_ATTR_ADMIN_RO(NAME)
 * also generates NAME_read_nonconst(), a type-correct trampoline to
 * NAME_read(), ahead of bin_attr_NAME (so it must be used as "static
 * BIN_ATTR_ADMIN_RO(...)"). CHRMEM_BIN_ATTRS() gives a group its list in
 * the type the kernel wants; sysfs only reads through it. (The kernels
 * in between, from 6.13, had const variants under other names, read_new
 * and bin_attrs_new, next to the old ones: they take the old path.)
 */
#ifndef CHRMEM_HAVE_CONST_BIN_ATTR_READ
#undef BIN_ATTR_ADMIN_RO
#define BIN_ATTR_ADMIN_RO(_name, _size)					\
	ssize_t _name##_read_nonconst(struct file *file,		\
				      struct kobject *kobj,		\
				      struct bin_attribute *attr,	\
				      char *buf, loff_t off,		\
				      size_t count);			\
	static ssize_t _name##_read_nonconst(struct file *file,		\
					     struct kobject *kobj,	\
					     struct bin_attribute *attr, \
					     char *buf, loff_t off,	\
					     size_t count)		\
	{								\
		return _name##_read(file, kobj, attr, buf, off, count);	\
	}								\
	static struct bin_attribute bin_attr_##_name =			\
		__BIN_ATTR(_name, 0400, _name##_read_nonconst, NULL, _size)
#endif

#ifdef CHRMEM_HAVE_CONST_BIN_ATTRS
#define CHRMEM_BIN_ATTRS(list)	(list)
#else
#define CHRMEM_BIN_ATTRS(list)	((struct bin_attribute **)(list))
#endif

/*
 * The dma-buf core's symbols are in the DMA_BUF namespace. Kernels from
 * 6.13 spell the import MODULE_IMPORT_NS("DMA_BUF"), older ones
 * MODULE_IMPORT_NS(DMA_BUF), which they turn into a string themselves
 * (and would turn the new spelling into "\"DMA_BUF\"", a namespace that
 * does not exist).
 */
#ifdef CHRMEM_HAVE_IMPORT_NS_STRING
#define CHRMEM_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS("DMA_BUF")
#else
#define CHRMEM_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS(DMA_BUF)
#endif

/*
 * Huge (PMD) PFN mappings: from 6.12 on, where the architecture can put a
 * PFN in a PMD leaf (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP: x86-64, arm64) and
 * .huge_fault takes an order. 6.1 never calls .huge_fault for a PFN map,
 * so there chrmem keeps 4 KiB entries: CHRMEM_HUGE_PFNMAP is 0 and the
 * driver's huge code compiles away. vmf_insert_pfn_pmd() is spelt as on
 * 7.x, with a plain page frame number; before, it took a pfn_t, which
 * the macro makes (a function-like macro is not expanded inside its own
 * expansion, so it calls the real function). thp_get_unmapped_area()
 * picks user addresses congruent with the file offset modulo 2 MiB.
 */
#if defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && defined(CHRMEM_HAVE_HUGE_FAULT_ORDER)
#define CHRMEM_HUGE_PFNMAP		1
#include <linux/huge_mm.h>
#ifdef CHRMEM_HAVE_INSERT_PFN_PMD_PFN_T
#include <linux/pfn_t.h>
#define vmf_insert_pfn_pmd(vmf, pfn, write)				\
	vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write)
#endif
#define CHRMEM_GET_UNMAPPED_AREA	thp_get_unmapped_area
#else
#define CHRMEM_HUGE_PFNMAP		0
#define CHRMEM_GET_UNMAPPED_AREA	NULL
#endif

/*
 * Not absorbed, on purpose: file_operations.mmap_prepare (7.x). chrmem
 * keeps .mmap on every kernel:
 *  - 7.2 still calls .mmap as before; only a driver that sets both hooks
 *    gets a warning, so one spelling serves all three kernels.
 *  - remap mode maps a buffer of several physically contiguous chunks with
 *    one remap_pfn_range() per chunk. An mmap_prepare hook can ask for one
 *    action only (one MMAP_REMAP_PFN range), which covers a one-chunk
 *    buffer and nothing bigger; MMAP_MAP_KERNEL_PAGES would give a
 *    page-backed area, which is fault mode's semantics, not remap's.
 *  - mmap() claims the buffer's memory type under dev->lock and counts
 *    the mapping once the area is set up. Under mmap_prepare the area does
 *    not exist yet; undoing a claim when the mapping later fails needs the
 *    7.x-only vm_operations_struct.mapped: a second path, tested on one
 *    kernel of three.
 * To revisit when .mmap is removed or an action can describe a list of
 * ranges.
 */

#endif /* CHRMEM_COMPAT_H */
