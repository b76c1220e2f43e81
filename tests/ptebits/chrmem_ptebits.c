// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem_ptebits - test-only module, never packaged: through the misc
 * device /dev/chrmem_ptebits (root's alone) it reports
 *  - PTEBITS_IOC_QUERY: the memory type of the page table entry that
 *    maps a user address of the calling process, as the entry encodes it,
 *    and its level (PTE, PMD or PUD), so that the tests see chrmem's 2 MiB
 *    mappings;
 *  - PTEBITS_IOC_PAGE: the reference count, map count and some flags of
 *    the page at a page frame number, so that the tests can prove who
 *    holds references to the chrmem buffer's pages, and that every one
 *    taken is given back.
 *
 * On x86 the cache bits (PWT, PCD, PAT) index the PAT; Linux programs it
 * as
 *   index 0 WB, 1 WC, 2 UC-, 3 UC, 4 WB, 5 WP, 6 UC-, 7 WT
 * so a write-back mapping has none of them, write-combining PWT alone and
 * uncached (UC-) PCD alone. On arm64 the entry's AttrIndx selects one of
 * the eight attributes of MAIR_EL1, which Linux programs at boot; the
 * byte it selects is reported (0xff Normal write-back, 0x44 Normal
 * non-cacheable, 0x00 or 0x04 Device). Debian's kernels have no page
 * table dump, and /sys/kernel/debug/x86/pat_memtype_list does not list
 * RAM, so this is the independent witness of what the chrmem driver asked
 * for.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/memory_hotplug.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/page_ref.h>
#include <linux/pgtable.h>
#include <linux/uaccess.h>

#include "ptebits.h"

/* The memory type of a leaf entry @val of a PUD, PMD (@huge) or PTE. */
#if defined(CONFIG_X86)
static void leaf_type(struct ptebits_query *q, unsigned long val, bool huge)
{
	unsigned long pat_bit = huge ? _PAGE_PAT_LARGE : _PAGE_PAT;

	q->bits |= (val & _PAGE_PWT ? PTEBITS_PWT : 0) |
		   (val & _PAGE_PCD ? PTEBITS_PCD : 0) |
		   (val & pat_bit ? PTEBITS_PAT : 0);
}
#elif defined(CONFIG_ARM64)
/* AttrIndx is at the same place in the leaf entries of every level. */
static void leaf_type(struct ptebits_query *q, u64 val, bool huge)
{
	unsigned int index = (val & PTE_ATTRINDX_MASK) >> 2;

	q->bits |= PTEBITS_ATTR;
	q->attr = (read_sysreg(mair_el1) >> (8 * index)) & 0xff;
}
#else
#error "chrmem_ptebits knows the memory types of x86 and arm64 entries only"
#endif

/*
 * Walks the page tables of the current process. The caller holds
 * mmap_lock for reading, and the tests never unmap or split an area in
 * another thread while they ask about it, so the tables stay; each entry
 * is read once, without its lock, which is enough for a snapshot. A leaf
 * at the PUD or PMD level ends the walk: that entry maps the address.
 */
static int walk(struct mm_struct *mm, unsigned long addr,
		struct ptebits_query *q)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd, pmdval;
	pte_t pte;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return -ENOENT;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return -ENOENT;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return -ENOENT;
	if (pud_leaf(*pud)) {
		q->level = PTEBITS_LEVEL_PUD;
		q->bits = PTEBITS_PRESENT | PTEBITS_HUGE;
		leaf_type(q, pud_val(*pud), true);
		return 0;
	}
	pmd = pmd_offset(pud, addr);
	pmdval = READ_ONCE(*pmd);
	if (pmd_none(pmdval))
		return -ENOENT;
	if (pmd_leaf(pmdval)) {
		q->level = PTEBITS_LEVEL_PMD;
		q->bits = PTEBITS_PRESENT | PTEBITS_HUGE;
		leaf_type(q, pmd_val(pmdval), true);
		return 0;
	}
	pte = READ_ONCE(*pte_offset_kernel(pmd, addr));
	if (!pte_present(pte))
		return -ENOENT;
	q->level = PTEBITS_LEVEL_PTE;
	q->bits = PTEBITS_PRESENT;
	leaf_type(q, pte_val(pte), false);
	return 0;
}

static long query_pte(struct ptebits_query __user *uq)
{
	struct ptebits_query q;
	int ret;

	if (copy_from_user(&q, uq, sizeof(q)))
		return -EFAULT;
	q.bits = 0;
	q.attr = 0;
	q.level = 0;
	q.reserved = 0;
	mmap_read_lock(current->mm);
	ret = walk(current->mm, q.addr, &q);
	mmap_read_unlock(current->mm);
	if (ret)
		return ret;
	return copy_to_user(uq, &q, sizeof(q)) ? -EFAULT : 0;
}

/*
 * The number of user page table entries that map @folio. From 6.12 on
 * that is folio_mapcount(), inline. On 6.1 folio_mapcount() is not
 * exported, but for an order-0 folio (all chrmem has) page_mapcount() is
 * the same number; a page whose map count field holds a page type (a page
 * table, say) is mapped nowhere.
 */
#ifdef PTEBITS_HAVE_INLINE_FOLIO_MAPCOUNT
static int folio_user_mappings(struct folio *folio, struct page *page,
			       s32 *mapcount)
{
	*mapcount = folio_mapcount(folio);
	return 0;
}
#else
static int folio_user_mappings(struct folio *folio, struct page *page,
			       s32 *mapcount)
{
	if (folio_test_large(folio))
		return -EOPNOTSUPP;
	*mapcount = page_has_type(page) ? 0 : page_mapcount(page);
	return 0;
}
#endif

static u32 page_flags(struct folio *folio, struct page *page)
{
	u32 flags = 0;

	/* PG_reserved is defined for order-0 pages only. */
	if (folio_test_large(folio))
		flags |= PTEBITS_PAGE_LARGE;
	else if (PageReserved(page))
		flags |= PTEBITS_PAGE_RESERVED;
	if (folio_test_lru(folio))
		flags |= PTEBITS_PAGE_LRU;
	if (folio_test_anon(folio))
		flags |= PTEBITS_PAGE_ANON;
	if (folio_maybe_dma_pinned(folio))
		flags |= PTEBITS_PAGE_PINNED;
	return flags;
}

/*
 * Reads the state of the page at p->pfn. The folio is held for the read,
 * so that it can be neither freed nor split meanwhile; a folio with no
 * reference left is free, or on its way there, and is not touched. The
 * page may change folios between page_folio() and folio_try_get(): then
 * the caller is asked to try again.
 */
static int read_page_state(struct ptebits_page *p)
{
	struct folio *folio;
	struct page *page;
	int ret;

	if (p->pfn != (unsigned long)p->pfn)
		return -ENXIO;
	page = pfn_to_online_page(p->pfn);
	if (!page)
		return -ENXIO;
	p->refcount = 0;
	p->mapcount = 0;
	p->flags = 0;
	p->reserved = 0;

	folio = page_folio(page);
	if (!folio_try_get(folio)) {
		p->flags = PTEBITS_PAGE_FREE;
		return 0;
	}
	if (folio != page_folio(page)) {
		folio_put(folio);
		return -EAGAIN;
	}
	ret = folio_user_mappings(folio, page, &p->mapcount);
	if (!ret) {
		p->refcount = folio_ref_count(folio) - 1;	/* not ours */
		p->flags = page_flags(folio, page);
	}
	folio_put(folio);
	return ret;
}

static long query_page(struct ptebits_page __user *up)
{
	struct ptebits_page p;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&p, up, sizeof(p)))
		return -EFAULT;
	ret = read_page_state(&p);
	if (ret)
		return ret;
	return copy_to_user(up, &p, sizeof(p)) ? -EFAULT : 0;
}

static long ptebits_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PTEBITS_IOC_QUERY:
		return query_pte(uarg);
	case PTEBITS_IOC_PAGE:
		return query_page(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ptebits_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ptebits_ioctl,
};

static struct miscdevice ptebits_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "chrmem_ptebits",
	.fops	= &ptebits_fops,
	.mode	= 0600,
};
module_misc_device(ptebits_misc);

MODULE_DESCRIPTION("chrmem test helper: memory type of a user PTE, page references");
MODULE_LICENSE("GPL");
