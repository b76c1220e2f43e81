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

#endif /* CHRMEM_COMPAT_H */
