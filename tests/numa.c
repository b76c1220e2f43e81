// SPDX-License-Identifier: GPL-2.0
/*
 * numa.c - where a buffer's pages come from on a machine of two NUMA
 * nodes: the node parameter (that node and no other), and by default the
 * node of the PCI device the buffer is bound to at load (dma_device=).
 *
 * The numa lane (tests/run-guest-suites) boots a guest of two nodes of
 * 256 MiB with QEMU's edu behind a PCI expander bridge on node 1, and
 * runs this suite with the module NOT loaded (--no-load), like params:
 *   --qemu-args '-object memory-backend-ram,id=m0,size=256M
 *     -object memory-backend-ram,id=m1,size=256M
 *     -numa node,nodeid=0,memdev=m0 -numa node,nodeid=1,memdev=m1
 *     -device pxb,id=pxb1,bus_nr=16,numa_node=1 -device edu,bus=pxb1,addr=0.0'
 * Elsewhere it skips, or fails in strict mode (CHRMEM_STRICT).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "chrmem_test.h"


FIXTURE(numa) {
	char edu[32];	/* edu's PCI address, "" if none on node 1 */
};

static bool two_nodes(void)
{
	return path_exists("/sys/devices/system/node/node1");
}

FIXTURE_SETUP(numa)
{
	if (geteuid() != 0)
		SKIP("loading modules needs root");
	if (!two_nodes()) {
		if (!th_strict())
			SKIP("the guest has one NUMA node (QEMU: -numa)");
		TH_LOG("no NUMA node 1: the numa lane boots two");
		ASSERT_TRUE(false);
	}
	ASSERT_FALSE(module_loaded());
	/* The first edu on node 1 ("" if none). */
	if (!find_pci_device(EDU_VENDOR, EDU_DEVICE, "1", self->edu,
			     sizeof(self->edu)))
		*self->edu = '\0';
}

FIXTURE_TEARDOWN(numa)
{
	if (module_loaded() && unload_module() != 0)
		TH_LOG("teardown: could not unload chrmem");
}

static void expect_node_(struct th_test *_metadata, int idx, const char *want)
{
	char text[64];

	sysfs_str(idx, "numa_node", text, sizeof(text));
	EXPECT_STREQ(want, text);
}
#define expect_node(idx, want)	expect_node_(_metadata, idx, want)

TEST_F(numa, each_buffer_on_the_node_asked_for)
{
	ASSERT_ERR(0, load_module("devices=3 size=8M node=1,0,1"));
	expect_node(0, "1");
	expect_node(1, "0");
	expect_node(2, "1");
	ASSERT_ERR(0, unload_module());
}

TEST_F(numa, a_node_that_cannot_hold_the_buffer_enomem)
{
	/* 250 MiB fits the machine, not node 1 (256 MiB, less its memmap). */
	EXPECT_ERR(ENOMEM, load_module("size=250M node=1"));
	EXPECT_FALSE(module_loaded());
}

TEST_F(numa, by_default_the_buffer_follows_its_dma_device)
{
	char params[128];

	if (!*self->edu) {
		if (!th_strict())
			SKIP("no edu device on NUMA node 1 (QEMU: pxb)");
		TH_LOG("no edu (%s %s) with numa_node 1 in /sys/bus/pci/devices",
		       EDU_VENDOR, EDU_DEVICE);
		ASSERT_TRUE(false);
	}
	snprintf(params, sizeof(params), "size=8M dma_device=%s", self->edu);
	ASSERT_ERR(0, load_module(params));
	expect_node(0, "1");
	ASSERT_ERR(0, unload_module());
	/* The node parameter wins. */
	snprintf(params, sizeof(params), "size=8M node=0 dma_device=%s", self->edu);
	ASSERT_ERR(0, load_module(params));
	expect_node(0, "0");
	ASSERT_ERR(0, unload_module());
}
