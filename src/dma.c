// SPDX-License-Identifier: GPL-2.0
/*
 * Binding a buffer to a DMA master: the buffer mapped for one PCI device
 * with the DMA API, its device addresses (sysfs dma_addr), and the cache
 * maintenance around the device's accesses (CHRMEM_IOC_SYNC).
 *
 * A physical address is not a device address. Behind a translating IOMMU
 * (intel_iommu=on, AMD machines by default) a device given phys_addr's
 * addresses faults; with an offset bus (some arm64 boards) it reaches the
 * wrong memory. So a device that DMAs into a buffer is named to chrmem
 * (module parameter or sysfs dma_device), which maps the whole buffer for
 * it once, with dma_map_sgtable(), and reports what the DMA API gave:
 *  - behind an IOMMU, one range of I/O virtual addresses (dma_addr lists
 *    it as one segment when the IOMMU made it contiguous, which spares a
 *    device a scatter-gather engine);
 *  - without one, the physical chunks as the bus sees them.
 * The mapping lives from bind to unbind (or unload): the device may DMA
 * at any time in between, and user mappings come and go on top of it.
 *
 * Never a bounce buffer. Without an IOMMU, memory beyond the device's DMA
 * mask would be copied through swiotlb on every map and sync: the device
 * would DMA into a bounce page while the program looks at the buffer, and
 * a persistent mapping never copies back. So the bind is refused when a
 * chunk lies beyond the mask or swiotlb is forced, and, in case the DMA
 * API bounces for a reason we cannot see beforehand (memory encryption),
 * when a mapped address is not the chunk's own bus address.
 *
 * Behind an IOMMU the device must be behind it for the DMA API too. Where
 * the firmware describes the IOMMU (device tree, ACPI IORT: arm64), the
 * kernel puts a device behind it when a driver first binds, and 6.1 takes
 * the DMA API's part away again when the driver goes: so the bind checks,
 * through the device's domain, that each segment leads to the buffer.
 *
 * The DMA mask is the device driver's to set. A device without a driver
 * (one that user space drives through sysfs, like QEMU's edu in the
 * tests) has the bus's default, which may be wider than what it can reach:
 * "ADDRESS/BITS" sets its mask for the time of the binding, and only while
 * no driver is bound to it.
 *
 * Bus mastering stays the device owner's business: chrmem does not enable
 * it. The binding changes only while nothing maps or exports the buffer
 * (-EBUSY), under dev->lock, which is what keeps that stable. A rebind
 * unbinds first: if the new binding fails, the buffer is left unbound.
 *
 * A binding is for the device as it was when it was made: the device
 * leaving (hot-removal, "echo 1 > .../remove") or its driver changing ends
 * it, whether or not the buffer is mapped, through a notifier on the PCI
 * bus (chrmem_dma_notify()):
 *  - BUS_NOTIFY_DEL_DEVICE comes before the IOMMU core lets go of the
 *    device (BUS_NOTIFY_REMOVED_DEVICE): unmapping later would work on a
 *    device whose IOMMU group and domain are gone;
 *  - BUS_NOTIFY_BIND_DRIVER: the new driver owns the DMA mask (so a mask
 *    set with "/BITS" is given back before its probe sets its own) and may
 *    give the device an IOMMU domain of its own (vfio);
 *  - BUS_NOTIFY_UNBIND_DRIVER: the driver that may have set the mask and
 *    domain the mapping was made for is going; it may reset the device.
 * User mappings of the buffer are not the device's and stay as they are,
 * with their data; SYNC answers -ENODEV and dma_device and dma_addr read
 * empty, as after an unbind. A bind made after the device came back
 * ("echo 1 > /sys/bus/pci/rescan") maps the buffer afresh.
 *
 * So that no binding is made for a device on its way out, or while its
 * driver changes, a bind looks the device up and maps the buffer under
 * pci_lock_rescan_remove() (which every removal of a PCI device holds)
 * and the device's own lock (which the driver core holds around binding
 * and unbinding a driver), and lists the binding before it lets go of
 * them. Lock order, outermost first:
 *   chrmem_dev.lock -> pci_lock_rescan_remove() -> device_lock(PCI device)
 *     -> chrmem_dma_bindings_lock -> chrmem_dma.lock -> its cursor's lock
 * The notifier runs under the driver core's locks, the middle two, and
 * takes only the last three.
 */
#include <linux/ctype.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>

#include "internal.h"

/* The narrowest mask "/BITS" may set: dma-direct refuses below 24 bits. */
#define CHRMEM_DMA_MIN_BITS	24

struct chrmem_dma_binding {
	struct chrmem_dma_target target;
	struct chrmem_dev *owner;	/* the buffer's device */
	struct list_head node;		/* in chrmem_dma_bindings */
	struct pci_dev *pdev;		/* holds a reference */
	struct sg_table sgt;		/* the buffer, mapped for pdev */
	struct chrmem_segment *segs;	/* DMA-contiguous runs of sgt */
	unsigned long nr_segs;
	u64 saved_mask;			/* restored at unbind, if target.mask_bits */
	u64 saved_coherent_mask;
};

/*
 * Every binding in force, for the bus notifier to find the ones of a PCI
 * device. The lock protects the list, and makes a binding's end, by the
 * notifier or by its owner, happen once: a binding leaves the list and its
 * owner's chrmem_dma.binding together, under both locks. Lock order: see
 * the top of this file.
 */
static LIST_HEAD(chrmem_dma_bindings);
static DEFINE_MUTEX(chrmem_dma_bindings_lock);

/* "DDDD:BB:DD.F" or "DDDD:BB:DD.F/BITS", as sysfs shows it. */
int chrmem_dma_target_print(const struct chrmem_dma_target *t, char *out,
			    size_t len)
{
	if (!t->set)
		return scnprintf(out, len, "\n");
	if (!t->mask_bits)
		return scnprintf(out, len, "%04x:%02x:%02x.%x\n", t->domain,
				 t->bus, PCI_SLOT(t->devfn), PCI_FUNC(t->devfn));
	return scnprintf(out, len, "%04x:%02x:%02x.%x/%u\n", t->domain, t->bus,
			 PCI_SLOT(t->devfn), PCI_FUNC(t->devfn), t->mask_bits);
}

static bool chrmem_is_hex(const char *s, size_t len)
{
	while (len--)
		if (!isxdigit(*s++))
			return false;
	return true;
}

/*
 * Parses "DDDD:BB:DD.F[/BITS]" (trailing white space allowed); an empty
 * text means no device. Return: 0 or -EINVAL.
 */
int chrmem_dma_target_parse(const char *text, struct chrmem_dma_target *t)
{
	unsigned int domain, bus, slot, func, bits = 0;
	char addr[sizeof("0000:00:00.0")];
	size_t len = strcspn(text, "/ \t\n");
	const char *rest = text + len;

	memset(t, 0, sizeof(*t));
	if (!len)
		return *skip_spaces(rest) ? -EINVAL : 0;
	if (len != sizeof(addr) - 1)
		return -EINVAL;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (addr[4] != ':' || addr[7] != ':' || addr[10] != '.' ||
	    !chrmem_is_hex(addr, 4) || !chrmem_is_hex(addr + 5, 2) ||
	    !chrmem_is_hex(addr + 8, 2) || !chrmem_is_hex(addr + 11, 1) ||
	    sscanf(addr, "%x:%x:%x.%x", &domain, &bus, &slot, &func) != 4 ||
	    slot > 0x1f || func > 7)
		return -EINVAL;
	if (*rest == '/') {
		char number[4];
		size_t n = strcspn(++rest, " \t\n");

		if (!n || n >= sizeof(number))
			return -EINVAL;
		memcpy(number, rest, n);
		number[n] = '\0';
		if (kstrtouint(number, 10, &bits) ||
		    bits < CHRMEM_DMA_MIN_BITS || bits > 64)
			return -EINVAL;
		rest += n;
	}
	if (*skip_spaces(rest))
		return -EINVAL;
	t->set = true;
	t->domain = domain;
	t->bus = bus;
	t->devfn = PCI_DEVFN(slot, func);
	t->mask_bits = bits;
	return 0;
}

/* The NUMA node of the PCI device @t names, or NUMA_NO_NODE. */
int chrmem_dma_target_node(const struct chrmem_dma_target *t)
{
	struct pci_dev *pdev;
	int nid = NUMA_NO_NODE;

	pdev = pci_get_domain_bus_and_slot(t->domain, t->bus, t->devfn);
	if (pdev) {
		nid = dev_to_node(&pdev->dev);
		pci_dev_put(pdev);
	}
	return nid;
}

/* Does the DMA API translate @d's addresses through an IOMMU? */
static bool chrmem_dma_translated(struct device *d)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(d);

	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API);
}

/* An IOMMU domain that is not the DMA API's belongs to vfio and the like. */
static bool chrmem_dma_foreign_domain(struct device *d)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(d);

	return domain && (domain->type & __IOMMU_DOMAIN_PAGING) &&
	       !(domain->type & __IOMMU_DOMAIN_DMA_API);
}

static int chrmem_dma_set_mask(struct chrmem_dev *dev,
			       struct chrmem_dma_binding *b)
{
	struct device *d = &b->pdev->dev;
	unsigned int bits = b->target.mask_bits;
	int ret;

	if (!bits)
		return 0;
	if (READ_ONCE(d->driver)) {
		dev_err(&dev->dev, "%s has a driver, which owns its DMA mask: bind it without /%u\n",
			pci_name(b->pdev), bits);
		return -EBUSY;
	}
	b->saved_mask = dma_get_mask(d);
	b->saved_coherent_mask = d->coherent_dma_mask;
	ret = dma_set_mask_and_coherent(d, DMA_BIT_MASK(bits));
	if (ret)
		dev_err(&dev->dev, "%s cannot have a %u-bit DMA mask: %d\n",
			pci_name(b->pdev), bits, ret);
	return ret;
}

static void chrmem_dma_restore_mask(struct chrmem_dma_binding *b)
{
	struct device *d = &b->pdev->dev;

	if (!b->target.mask_bits)
		return;
	if (dma_set_mask(d, b->saved_mask) ||
	    dma_set_coherent_mask(d, b->saved_coherent_mask))
		pci_warn(b->pdev, "chrmem: cannot restore its DMA mask %#llx\n",
			 b->saved_mask);
}

/*
 * Without an IOMMU the device reaches each chunk at its bus address: every
 * one must lie within the mask (and the bus's limit), or the DMA API would
 * bounce it. See the top of this file.
 */
static int chrmem_dma_check_reach(struct chrmem_dev *dev,
				  struct chrmem_dma_binding *b)
{
	struct device *d = &b->pdev->dev;
	u64 limit = min_not_zero(dma_get_mask(d), d->bus_dma_limit);
	const struct chrmem_buffer *buf = &dev->buf;
	unsigned long first = 0, run;
	phys_addr_t last;

	if (chrmem_dma_foreign_domain(d)) {
		dev_err(&dev->dev, "%s: its IOMMU domain is not the DMA API's (vfio?)\n",
			pci_name(b->pdev));
		return -EBUSY;
	}
	if (chrmem_dma_translated(d))
		return 0;
	if (is_swiotlb_force_bounce(d)) {
		dev_err(&dev->dev, "%s: swiotlb=force would bounce every transfer\n",
			pci_name(b->pdev));
		return -ERANGE;
	}
	for (; first < buf->nr_pages; first += run) {
		run = chrmem_buffer_run(buf, first, buf->nr_pages);
		last = PFN_PHYS(page_to_pfn(buf->pages[first]) + run) - 1;
		if (phys_to_dma(d, last) > limit) {
			dev_err(&dev->dev, "%s: the buffer's bytes %#llx-%#llx are at bus address %#llx, beyond the device's DMA mask %#llx, and there is no IOMMU\n",
				pci_name(b->pdev), (u64)first << PAGE_SHIFT,
				((u64)(first + run) << PAGE_SHIFT) - 1,
				(u64)phys_to_dma(d, last), limit);
			return -ERANGE;
		}
	}
	return 0;
}

/* Without an IOMMU, a mapped address that is not the chunk's bounced. */
static int chrmem_dma_check_direct(struct chrmem_dev *dev,
				   struct chrmem_dma_binding *b)
{
	struct device *d = &b->pdev->dev;
	struct scatterlist *sg;
	unsigned int i;

	if (chrmem_dma_translated(d))
		return 0;
	for_each_sgtable_dma_sg(&b->sgt, sg, i) {
		if (sg_dma_address(sg) != phys_to_dma(d, sg_phys(sg))) {
			dev_err(&dev->dev, "%s: the DMA API bounced the buffer (memory encryption?)\n",
				pci_name(b->pdev));
			return -ERANGE;
		}
	}
	return 0;
}

/*
 * Behind a translating IOMMU, each segment's first address must lead the
 * device to that segment's first page. It does not when the DMA API maps
 * a device directly while its domain translates: so arm64's 6.1 leaves a
 * device whose driver was unbound (its IOMMU DMA operations go with the
 * driver, its domain stays). The device would reach whatever the domain
 * maps at those addresses, or fault.
 */
static int chrmem_dma_check_translated(struct chrmem_dev *dev,
				       struct chrmem_dma_binding *b)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&b->pdev->dev);
	const struct chrmem_segment *seg;
	phys_addr_t want, got;

	if (!chrmem_dma_translated(&b->pdev->dev))
		return 0;
	for (seg = b->segs; seg < b->segs + b->nr_segs; seg++) {
		want = page_to_phys(dev->buf.pages[seg->offset >> PAGE_SHIFT]);
		got = iommu_iova_to_phys(domain, seg->addr);
		if (got != want) {
			dev_err(&dev->dev, "%s: its IOMMU leads address %#llx to %pa, not to the buffer's %pa: the DMA API does not map through it (bind a driver to the device first)\n",
				pci_name(b->pdev), seg->addr, &got, &want);
			return -ENXIO;
		}
	}
	return 0;
}

/* The mapped entries as dma_addr's lines: DMA-contiguous ones merged. */
static int chrmem_dma_collect(struct chrmem_dma_binding *b)
{
	struct chrmem_segment *seg;
	struct scatterlist *sg;
	unsigned int i;
	u64 offset = 0;

	b->segs = kvcalloc(b->sgt.nents, sizeof(*b->segs), GFP_KERNEL);
	if (!b->segs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(&b->sgt, sg, i) {
		seg = b->nr_segs ? &b->segs[b->nr_segs - 1] : NULL;
		if (!seg || seg->addr + seg->size != sg_dma_address(sg)) {
			seg = &b->segs[b->nr_segs++];
			seg->offset = offset;
			seg->size = 0;
			seg->addr = sg_dma_address(sg);
		}
		seg->size += sg_dma_len(sg);
		offset += sg_dma_len(sg);
	}
	return 0;
}

/* The longest sg entry @d takes, in whole pages (dmabuf.c too). */
unsigned int chrmem_dma_max_segment(struct device *d)
{
	return max_t(unsigned int, PAGE_SIZE,
		     rounddown(dma_get_max_seg_size(d), PAGE_SIZE));
}

/*
 * The sg table's entries are physically contiguous runs no longer than the
 * device takes in one segment; dma_map_sgtable() maps them, through the
 * IOMMU if there is one. Mapping syncs for the device, so that it sees
 * what the CPU wrote before the bind; unmapping syncs for the CPU.
 */
static int chrmem_dma_map(struct chrmem_dev *dev, struct chrmem_dma_binding *b)
{
	struct device *d = &b->pdev->dev;
	int ret;

	ret = sg_alloc_table_from_pages_segment(&b->sgt, dev->buf.pages,
						dev->buf.nr_pages, 0, dev->size,
						chrmem_dma_max_segment(d),
						GFP_KERNEL);
	if (ret)
		return ret;
	ret = dma_map_sgtable(d, &b->sgt, DMA_BIDIRECTIONAL, 0);
	if (ret) {
		dev_err(&dev->dev, "%s: cannot map the buffer for DMA: %d\n",
			pci_name(b->pdev), ret);
		goto err_free_table;
	}
	ret = chrmem_dma_check_direct(dev, b);
	if (ret)
		goto err_unmap;
	ret = chrmem_dma_collect(b);
	if (ret)
		goto err_unmap;
	ret = chrmem_dma_check_translated(dev, b);
	if (ret)
		goto err_free_segs;
	return 0;

err_free_segs:
	kvfree(b->segs);
	b->segs = NULL;
	b->nr_segs = 0;
err_unmap:
	dma_unmap_sgtable(d, &b->sgt, DMA_BIDIRECTIONAL, 0);
err_free_table:
	sg_free_table(&b->sgt);
	return ret;
}

/*
 * Makes a binding for the PCI device, which is held (rescan/remove lock
 * and device lock) by the caller: see the top of this file.
 */
static struct chrmem_dma_binding *
chrmem_dma_binding_create(struct chrmem_dev *dev,
			  const struct chrmem_dma_target *t,
			  struct pci_dev *pdev)
{
	struct chrmem_dma_binding *b;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->target = *t;
	b->owner = dev;
	INIT_LIST_HEAD(&b->node);
	b->pdev = pci_dev_get(pdev);
	ret = chrmem_dma_set_mask(dev, b);
	if (ret)
		goto err_put_pdev;
	ret = chrmem_dma_check_reach(dev, b);
	if (ret)
		goto err_restore_mask;
	ret = chrmem_dma_map(dev, b);
	if (ret)
		goto err_restore_mask;
	return b;

err_restore_mask:
	chrmem_dma_restore_mask(b);
err_put_pdev:
	pci_dev_put(b->pdev);
	kfree(b);
	return ERR_PTR(ret);
}

static void chrmem_dma_binding_destroy(struct chrmem_dma_binding *b)
{
	if (!b)
		return;
	dma_unmap_sgtable(&b->pdev->dev, &b->sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&b->sgt);
	kvfree(b->segs);
	chrmem_dma_restore_mask(b);
	pci_dev_put(b->pdev);
	kfree(b);
}

/*
 * Puts @b (NULL: none) in dev->dma.binding and returns the binding it
 * replaces, taken off the list. Called with chrmem_dma_bindings_lock held.
 */
static struct chrmem_dma_binding *
chrmem_dma_swap_locked(struct chrmem_dev *dev, struct chrmem_dma_binding *b)
{
	struct chrmem_dma_binding *old;

	lockdep_assert_held(&chrmem_dma_bindings_lock);
	mutex_lock(&dev->dma.lock);
	old = dev->dma.binding;
	dev->dma.binding = b;
	/* Under the lock: no reader may walk the new list from the old place. */
	chrmem_chunk_cursor_reset(&dev->dma.cursor);
	mutex_unlock(&dev->dma.lock);
	if (old)
		list_del_init(&old->node);
	if (b)
		list_add_tail(&b->node, &chrmem_dma_bindings);
	return old;
}

static struct chrmem_dma_binding *chrmem_dma_swap(struct chrmem_dev *dev,
						  struct chrmem_dma_binding *b)
{
	struct chrmem_dma_binding *old;

	mutex_lock(&chrmem_dma_bindings_lock);
	old = chrmem_dma_swap_locked(dev, b);
	mutex_unlock(&chrmem_dma_bindings_lock);
	return old;
}

/*
 * Looks the device up, and binds the buffer to it, under the locks that
 * keep it from going away or changing drivers until the binding is listed
 * where the bus notifier finds it.
 */
static int chrmem_dma_bind_target(struct chrmem_dev *dev,
				  const struct chrmem_dma_target *t)
{
	struct chrmem_dma_binding *b;
	struct pci_dev *pdev;
	int ret = 0;

	pci_lock_rescan_remove();
	pdev = pci_get_domain_bus_and_slot(t->domain, t->bus, t->devfn);
	if (!pdev) {
		dev_err(&dev->dev, "no PCI device %04x:%02x:%02x.%x\n",
			t->domain, t->bus, PCI_SLOT(t->devfn), PCI_FUNC(t->devfn));
		ret = -ENODEV;
		goto out_unlock_rescan;
	}
	device_lock(&pdev->dev);
	b = chrmem_dma_binding_create(dev, t, pdev);
	if (IS_ERR(b))
		ret = PTR_ERR(b);
	else
		chrmem_dma_swap(dev, b);
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
out_unlock_rescan:
	pci_unlock_rescan_remove();
	return ret;
}

/**
 * chrmem_dev_dma_bind() - bind, rebind or unbind the buffer
 * @dev: the device
 * @t:   the PCI device to map the buffer for; unbind if !t->set
 *
 * Return: 0; -EBUSY while the buffer is mapped or exported; -ENODEV for
 * no such PCI device; -ERANGE if the device cannot reach the buffer without bounce
 * buffers; -ENXIO if its IOMMU would not lead it to the buffer; -EBUSY,
 * -EIO for a mask it cannot take or -ENOMEM. On failure the buffer is
 * unbound.
 */
int chrmem_dev_dma_bind(struct chrmem_dev *dev,
			const struct chrmem_dma_target *t)
{
	int ret = 0;

	mutex_lock(&dev->lock);
	if (atomic_read(&dev->mappings) || dev->exports) {
		ret = -EBUSY;
		goto out_unlock;
	}
	chrmem_dma_binding_destroy(chrmem_dma_swap(dev, NULL));
	if (t->set)
		ret = chrmem_dma_bind_target(dev, t);
out_unlock:
	mutex_unlock(&dev->lock);
	return ret;
}

/* Unbinds at release: nothing can reach the device any more. */
void chrmem_dev_dma_unbind(struct chrmem_dev *dev)
{
	chrmem_dma_binding_destroy(chrmem_dma_swap(dev, NULL));
}

/*
 * Ends every binding to @pdev. The unmapping happens under the list's
 * lock: an owner being released at the same time finds its binding gone
 * and frees its pages, which must not happen while they are still mapped.
 */
static void chrmem_dma_release_pdev(struct pci_dev *pdev, const char *why)
{
	struct chrmem_dma_binding *b, *next;

	mutex_lock(&chrmem_dma_bindings_lock);
	list_for_each_entry_safe(b, next, &chrmem_dma_bindings, node) {
		if (b->pdev != pdev)
			continue;
		dev_info(&b->owner->dev, "%s %s: buffer unbound from it\n",
			 pci_name(pdev), why);
		chrmem_dma_binding_destroy(chrmem_dma_swap_locked(b->owner,
								  NULL));
	}
	mutex_unlock(&chrmem_dma_bindings_lock);
}

/* See the top of this file. Runs under the driver core's locks. */
static int chrmem_dma_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_DEL_DEVICE:
		chrmem_dma_release_pdev(pdev, "is going away");
		break;
	case BUS_NOTIFY_BIND_DRIVER:
		chrmem_dma_release_pdev(pdev, "is getting a driver");
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		chrmem_dma_release_pdev(pdev, "is losing its driver");
		break;
	default:
		return NOTIFY_DONE;
	}
	return NOTIFY_OK;
}

static struct notifier_block chrmem_dma_nb = {
	.notifier_call	= chrmem_dma_notify,
};

/* Before the first binding: see the top of this file. */
int chrmem_dma_init(void)
{
	return bus_register_notifier(&pci_bus_type, &chrmem_dma_nb);
}

/* After the last binding has ended. */
void chrmem_dma_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &chrmem_dma_nb);
}

int chrmem_dev_dma_print_target(struct chrmem_dev *dev, char *out, size_t len)
{
	struct chrmem_dma_target none = { };
	int ret;

	mutex_lock(&dev->dma.lock);
	ret = chrmem_dma_target_print(dev->dma.binding ?
				      &dev->dma.binding->target : &none, out, len);
	mutex_unlock(&dev->dma.lock);
	return ret;
}

static unsigned long chrmem_next_dma_segment(const void *data,
					     unsigned long pos,
					     struct chrmem_segment *seg)
{
	const struct chrmem_dma_binding *b = data;

	*seg = b->segs[pos];
	return pos + 1;
}

/* sysfs dma_addr: the phys_addr text over the DMA segments; empty unbound. */
ssize_t chrmem_dev_dma_read_segments(struct chrmem_dev *dev, char *out,
				     loff_t off, size_t count)
{
	struct chrmem_dma_binding *b;
	ssize_t ret = 0;

	mutex_lock(&dev->dma.lock);
	b = dev->dma.binding;
	if (b)
		ret = chrmem_read_segments(chrmem_next_dma_segment, b,
					   b->nr_segs, &dev->dma.cursor, out,
					   off, count);
	mutex_unlock(&dev->dma.lock);
	return ret;
}

/* READ: the CPU reads what the device wrote; WRITE: the device reads. */
static enum dma_data_direction chrmem_sync_direction(u32 flags)
{
	switch (flags & CHRMEM_SYNC_RW) {
	case CHRMEM_SYNC_READ:
		return DMA_FROM_DEVICE;
	case CHRMEM_SYNC_WRITE:
		return DMA_TO_DEVICE;
	default:
		return DMA_BIDIRECTIONAL;
	}
}

/*
 * Syncs [start, end) one sg entry at a time: each entry is physically
 * contiguous and lies inside one DMA segment, which is what a single sync
 * needs (the IOMMU's sync looks up the physical address of its start only).
 */
static void chrmem_dma_sync_range(struct chrmem_dma_binding *b, u64 start,
				  u64 end, u32 flags)
{
	enum dma_data_direction dir = chrmem_sync_direction(flags);
	struct device *d = &b->pdev->dev;
	const struct chrmem_segment *seg = b->segs;
	struct scatterlist *sg;
	u64 entry = 0, from, to;
	dma_addr_t addr;
	unsigned int i;

	for_each_sgtable_sg(&b->sgt, sg, i) {
		from = max(start, entry);
		to = min(end, entry + sg->length);
		entry += sg->length;
		if (from >= to)
			continue;
		while (seg->offset + seg->size <= from)
			seg++;
		addr = seg->addr + (from - seg->offset);
		if (flags & CHRMEM_SYNC_END)
			dma_sync_single_for_device(d, addr, to - from, dir);
		else
			dma_sync_single_for_cpu(d, addr, to - from, dir);
		if (entry >= end)
			break;
		cond_resched();
	}
}

/**
 * chrmem_dev_dma_sync() - CHRMEM_IOC_SYNC
 * @dev:  the device
 * @sync: the range and what the CPU starts or ends
 *
 * Return: 0, -EINVAL for unknown flags, a non-zero reserved field or a
 * range that is empty or passes the end of the buffer, -ENODEV when the
 * buffer is bound to no device (there is nobody to sync with).
 */
int chrmem_dev_dma_sync(struct chrmem_dev *dev, const struct chrmem_sync *sync)
{
	u32 flags = sync->flags;
	int ret = 0;
	u64 end;

	if ((flags & ~(CHRMEM_SYNC_RW | CHRMEM_SYNC_END)) ||
	    !(flags & CHRMEM_SYNC_RW) || sync->reserved)
		return -EINVAL;
	if (!sync->length || check_add_overflow(sync->offset, sync->length, &end) ||
	    end > dev->size)
		return -EINVAL;
	mutex_lock(&dev->dma.lock);
	if (dev->dma.binding)
		chrmem_dma_sync_range(dev->dma.binding, sync->offset, end, flags);
	else
		ret = -ENODEV;
	mutex_unlock(&dev->dma.lock);
	return ret;
}
