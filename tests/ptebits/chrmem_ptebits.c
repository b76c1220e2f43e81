// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem_ptebits - test-only module, never packaged: reports the cache
 * bits (PWT, PCD, PAT) of the page table entry that maps a user address of
 * the calling process, through the misc device /dev/chrmem_ptebits.
 *
 * On x86 these bits index the PAT; Linux programs it as
 *   index 0 WB, 1 WC, 2 UC-, 3 UC, 4 WB, 5 WP, 6 UC-, 7 WT
 * so a write-back mapping has none of them, write-combining PWT alone and
 * uncached (UC-) PCD alone. Debian's kernel has no page table dump, and
 * /sys/kernel/debug/x86/pat_memtype_list does not list RAM, so this is the
 * independent witness of what the chrmem driver asked for.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/uaccess.h>

#include "ptebits.h"

static u32 cache_bits(unsigned long val, unsigned long pat_bit)
{
	return (val & _PAGE_PWT ? PTEBITS_PWT : 0) |
	       (val & _PAGE_PCD ? PTEBITS_PCD : 0) |
	       (val & pat_bit ? PTEBITS_PAT : 0);
}

/*
 * Walks the page tables of the current process. The caller holds
 * mmap_lock for reading, so the tables of a VMA that is not a THP
 * candidate cannot be freed under us; the bits are read without the PTE
 * lock, which is enough for a snapshot.
 */
static int walk(struct mm_struct *mm, unsigned long addr, u32 *bits)
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
		*bits = PTEBITS_PRESENT | PTEBITS_HUGE |
			cache_bits(pud_val(*pud), _PAGE_PAT_LARGE);
		return 0;
	}
	pmd = pmd_offset(pud, addr);
	pmdval = READ_ONCE(*pmd);
	if (pmd_none(pmdval))
		return -ENOENT;
	if (pmd_leaf(pmdval)) {
		*bits = PTEBITS_PRESENT | PTEBITS_HUGE |
			cache_bits(pmd_val(pmdval), _PAGE_PAT_LARGE);
		return 0;
	}
	pte = READ_ONCE(*pte_offset_kernel(pmd, addr));
	if (!pte_present(pte))
		return -ENOENT;
	*bits = PTEBITS_PRESENT | cache_bits(pte_val(pte), _PAGE_PAT);
	return 0;
}

static long ptebits_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct ptebits_query __user *uq = (void __user *)arg;
	struct ptebits_query q;
	int ret;

	if (cmd != PTEBITS_IOC_QUERY)
		return -ENOTTY;
	if (copy_from_user(&q, uq, sizeof(q)))
		return -EFAULT;
	mmap_read_lock(current->mm);
	ret = walk(current->mm, q.addr, &q.bits);
	mmap_read_unlock(current->mm);
	if (ret)
		return ret;
	return copy_to_user(uq, &q, sizeof(q)) ? -EFAULT : 0;
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

MODULE_DESCRIPTION("chrmem test helper: cache bits of a user PTE");
MODULE_LICENSE("GPL");
