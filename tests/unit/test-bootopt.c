/* SPDX-License-Identifier: MIT */
/*
 * System boot options: every parameter through the dispatcher (lengths,
 * reserved bits, completion codes), the state file (kept, and ignored when
 * corrupt), host restarts and the valid-bit timeout with a short interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "chassis/bootopt.h"
#include "chassis/power.h"
#include "daemon/ipmi.h"
#include "daemon/store.h"
#include "bmc-parts.h"
#include "tap.h"

/* The valid-bit timeout in these tests: long enough that a loaded machine
 * (meson runs suites in parallel) does not stall past it mid-check; times
 * BMCD_TEST_TIME_SCALE under a slow wrapper (`meson test --setup valgrind`). */
#define TIMEOUT_USEC (300000ULL * time_scale)
static unsigned long long time_scale = 1;

static struct bmc bmc;
static struct power power;
static char dir[] = "/tmp/test-bootopt-XXXXXX";
static int dirfd_ = -1;

static uint8_t last[IPMI_MAX_RSP];
static size_t last_len;

static uint8_t cmd(uint8_t c, const uint8_t *data, size_t len)
{
	struct wbuf w = wb_init(last, sizeof(last));
	struct ipmi_req req = {
		.channel = 1, .priv = PRIV_OPERATOR, .netfn = NETFN_CHASSIS, .cmd = c,
		.data = data, .len = len,
	};
	uint8_t cc = ipmi_dispatch(&bmc, &req, &w);

	last_len = w.len;
	return cc;
}

#define SET(...) ({ const uint8_t d_[] = { __VA_ARGS__ }; cmd(0x08, d_, sizeof(d_)); })
#define GET(p, s) ({ const uint8_t d_[] = { (p), (s), 0 }; cmd(0x09, d_, sizeof(d_)); })
/* The last response is exactly these bytes. */
#define RSP_IS(...) ({ const uint8_t e_[] = { __VA_ARGS__ }; \
	last_len == sizeof(e_) && memcmp(last, e_, sizeof(e_)) == 0; })

static void start(void)
{
	CHECK(bootopt_init(bmc.bootopt, bmc.ev, dirfd_, &power, TIMEOUT_USEC) == 0);
}

static void restart(void)
{
	bootopt_done(bmc.bootopt);
	start();
}

static void wipe(void)
{
	bootopt_done(bmc.bootopt);
	unlinkat(dirfd_, "boot-options", 0);
	unlinkat(dirfd_, "boot-options.corrupt", 0);
	power = (struct power){ .state = POWER_OFF };
	start();
}

static uint8_t flags1(void)
{
	CHECK(GET(5, 0) == CC_OK && last_len == 7);
	return last[2];
}

static bool valid(void)
{
	return flags1() & 0x80;
}

/* Run the loop for usec. */
static void run_for(uint64_t usec)
{
	uint64_t now, end;

	sd_event_now(bmc.ev, CLOCK_MONOTONIC, &now);
	end = now + usec;
	while (now < end) {
		sd_event_run(bmc.ev, end - now);
		sd_event_now(bmc.ev, CLOCK_MONOTONIC, &now);
	}
}

static void test_defaults(void)
{
	wipe();
	CHECK(GET(0, 0) == CC_OK && RSP_IS(0x01, 0x00, 0x00));
	CHECK(GET(1, 0) == CC_OK && RSP_IS(0x01, 0x01, 0x00));
	CHECK(GET(3, 0) == CC_OK && RSP_IS(0x01, 0x03, 0x00));
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x00));
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0, 0, 0, 0, 0));
	CHECK(GET(6, 0) == CC_OK && last_len == 2 + 9);
	CHECK(GET(7, 4) == CC_OK && last_len == 2 + 17 && last[2] == 4);
	CHECK(bootopt_boot_device(bmc.bootopt, NULL) == BOOTDEV_NONE);
}

static void test_codes(void)
{
	wipe();
	/* Unsupported parameters: 80h, set and get. */
	CHECK(SET(0x08, 0x00) == 0x80);
	CHECK(SET(0x63, 0x00) == 0x80);
	CHECK(SET(0x7f) == 0x80);
	CHECK(GET(0x08, 0) == 0x80 && last_len == 0);
	CHECK(GET(0x60, 0) == 0x80);
	/* Get: reserved bit 7 of the selector. */
	CHECK(GET(0x85, 0) == CC_INVALID_FIELD);
	/* Lengths: the dispatcher's limits, then each parameter's. */
	CHECK(cmd(0x08, NULL, 0) == CC_REQ_LEN);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0) == CC_REQ_LEN);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0, 0) == CC_REQ_LEN);
	CHECK(SET(0x00, 0x00, 0x00) == CC_REQ_LEN);
	CHECK(SET(0x03, 0x08, 0x00) == CC_REQ_LEN);
	CHECK(SET(0x04, 0x01) == CC_REQ_LEN);
	CHECK(SET(0x06, 1, 2, 3) == CC_REQ_LEN);
	CHECK(SET(0x07, 0x00) == CC_REQ_LEN);
	CHECK(GET(5, 0) == CC_OK && last[2] == 0);
	/* Reserved bits and values: CCh, nothing changes. */
	CHECK(SET(0x05, 0x81, 0x04, 0, 0, 0) == CC_INVALID_FIELD);
	CHECK(SET(0x05, 0x80, 0x28, 0, 0, 0) == CC_INVALID_FIELD);	/* device 1010b */
	CHECK(SET(0x05, 0x80, 0x30, 0, 0, 0) == CC_INVALID_FIELD);	/* device 1100b */
	CHECK(SET(0x05, 0x80, 0x04, 0x60, 0, 0) == CC_INVALID_FIELD);	/* verbosity 11b */
	CHECK(SET(0x05, 0x80, 0x04, 0x03, 0, 0) == CC_INVALID_FIELD);	/* console 11b */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0x10, 0) == CC_INVALID_FIELD);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0x03, 0) == CC_INVALID_FIELD);	/* mux 011b */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0x20) == CC_INVALID_FIELD);
	CHECK(SET(0x00, 0x03) == CC_INVALID_FIELD);
	CHECK(SET(0x00, 0x04) == CC_INVALID_FIELD);
	CHECK(SET(0x02, 0x04) == CC_INVALID_FIELD);
	CHECK(SET(0x03, 0x20) == CC_INVALID_FIELD);
	CHECK(SET(0x06, 0x10, 0, 0, 0, 0, 0, 0, 0, 0) == CC_INVALID_FIELD);
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0, 0, 0, 0, 0));
	/* Every field at its largest legal value. */
	CHECK(SET(0x05, 0xe0, 0xff, 0xde, 0x0a, 0x1f) == CC_OK);
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0xe0, 0xff, 0xde, 0x0a, 0x1f));
	CHECK(SET(0x05, 0x80, 0x2c, 0, 0x02, 0) == CC_OK);	/* remote disk, mux to system */
	/* Mailbox blocks past the end: C9h. */
	CHECK(SET(0x07, BOOTOPT_MBOX_BLOCKS, 1) == CC_PARAM_OUT_OF_RANGE);
	CHECK(GET(7, BOOTOPT_MBOX_BLOCKS) == CC_PARAM_OUT_OF_RANGE && last_len == 0);
	/* Operator privilege. */
	CHECK(ipmi_lookup(NETFN_CHASSIS, 0x08)->priv == PRIV_OPERATOR);
	CHECK(ipmi_lookup(NETFN_CHASSIS, 0x09)->priv == PRIV_OPERATOR);
}

static void test_params(void)
{
	wipe();
	/* The invalid/locked mark: with data, and alone. */
	CHECK(SET(0x81, 0x07) == CC_OK);
	CHECK(GET(1, 0) == CC_OK && RSP_IS(0x01, 0x81, 0x07));
	CHECK(SET(0x01) == CC_OK);
	CHECK(GET(1, 0) == CC_OK && RSP_IS(0x01, 0x01, 0x07));
	CHECK(SET(0x85) == CC_OK);
	CHECK(GET(5, 0) == CC_OK && last[1] == 0x85);
	CHECK(SET(0x05) == CC_OK);
	CHECK(GET(5, 0) == CC_OK && last[1] == 0x05);
	/* Set in progress: 81h while not 'set complete'; commit keeps it. */
	CHECK(SET(0x00, 0x01) == CC_OK);
	CHECK(SET(0x00, 0x01) == 0x81);
	CHECK(SET(0x00, 0x02) == CC_OK);
	CHECK(GET(0, 0) == CC_OK && RSP_IS(0x01, 0x00, 0x01));
	CHECK(SET(0x00, 0x00) == CC_OK);
	CHECK(SET(0x00, 0x01) == CC_OK);
	/* A power down ends it. */
	bootopt_power_event(bmc.bootopt, POWER_EV_OFF, RESTART_CHASSIS_CMD);
	CHECK(GET(0, 0) == CC_OK && RSP_IS(0x01, 0x00, 0x00));
	/* Boot info acknowledge: write mask, reserved bits ignored. */
	CHECK(SET(0x04, 0x01, 0x01) == CC_OK);
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x01));
	CHECK(SET(0x04, 0xff, 0xfe) == CC_OK);
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x1e));
	CHECK(SET(0x04, 0x02, 0x00) == CC_OK);
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x1c));
	/* Service partition, scan, valid bit clearing, initiator info. */
	CHECK(SET(0x02, 0x03) == CC_OK);
	CHECK(GET(2, 0) == CC_OK && RSP_IS(0x01, 0x02, 0x03));
	CHECK(SET(0x03, 0x1f) == CC_OK);
	CHECK(GET(3, 0) == CC_OK && RSP_IS(0x01, 0x03, 0x1f));
	CHECK(SET(0x06, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88) == CC_OK);
	CHECK(GET(6, 0) == CC_OK &&
	      RSP_IS(0x01, 0x06, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88));
	/* Mailbox: a short block write zero-fills the rest of the block. */
	CHECK(SET(0x07, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) == CC_OK);
	CHECK(SET(0x07, 0x01, 0xaa, 0xbb) == CC_OK);
	CHECK(GET(7, 1) == CC_OK &&
	      RSP_IS(0x01, 0x07, 0x01, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
	/* Flags and the device the host would boot. */
	CHECK(SET(0x05, 0xa0, 0x14, 0, 0, 0) == CC_OK);
	bool efi = false;
	CHECK(bootopt_boot_device(bmc.bootopt, &efi) == BOOTDEV_CDROM && efi);
	CHECK(SET(0x05, 0x20, 0x14, 0, 0, 0) == CC_OK);
	CHECK(bootopt_boot_device(bmc.bootopt, &efi) == BOOTDEV_NONE && !efi);
}

static void test_state_file(void)
{
	uint8_t mbox[16] = { 0x57, 0x01, 0x00, 'h', 'i' };

	wipe();
	CHECK(SET(0x05, 0xe0, 0x04, 0x40, 0x01, 0x03) == CC_OK);
	CHECK(SET(0x01, 0x42) == CC_OK);
	CHECK(SET(0x82, 0x01) == CC_OK);
	CHECK(SET(0x03, 0x0a) == CC_OK);
	CHECK(SET(0x07, 0x00, 0x57, 0x01, 0x00, 'h', 'i') == CC_OK);
	CHECK(SET(0x04, 0x01, 0x01) == CC_OK);
	CHECK(SET(0x06, 0x01, 1, 2, 3, 4, 5, 6, 7, 8) == CC_OK);
	CHECK(SET(0x00, 0x01) == CC_OK);
	restart();
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0xe0, 0x04, 0x40, 0x01, 0x03));
	CHECK(GET(1, 0) == CC_OK && RSP_IS(0x01, 0x01, 0x42));
	CHECK(GET(2, 0) == CC_OK && RSP_IS(0x01, 0x82, 0x01));
	CHECK(GET(3, 0) == CC_OK && RSP_IS(0x01, 0x03, 0x0a));
	CHECK(GET(7, 0) == CC_OK && last_len == 19 && memcmp(last + 3, mbox, 16) == 0);
	/* Volatile: acknowledge, initiator info, set in progress. */
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x00));
	CHECK(GET(6, 0) == CC_OK && last_len == 11 && last[2] == 0 && last[3] == 0);
	CHECK(GET(0, 0) == CC_OK && RSP_IS(0x01, 0x00, 0x00));
	/* ... and a BMC reset resets them, not the rest. */
	CHECK(SET(0x04, 0x01, 0x01) == CC_OK);
	CHECK(SET(0x06, 0x01, 1, 2, 3, 4, 5, 6, 7, 8) == CC_OK);
	CHECK(SET(0x00, 0x01) == CC_OK);
	bootopt_reset_volatile(bmc.bootopt);
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x00));
	CHECK(GET(6, 0) == CC_OK && last_len == 11 && last[2] == 0 && last[10] == 0);
	CHECK(GET(0, 0) == CC_OK && RSP_IS(0x01, 0x00, 0x00));
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0xe0, 0x04, 0x40, 0x01, 0x03));

	/* Corrupt files are moved aside: defaults, no crash. */
	static const char *bad[] = { "", "BOPT", "garbage that is not a boot options file" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(store_write(dirfd_, "boot-options", bad[i], strlen(bad[i])) == 0);
		restart();
		CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0, 0, 0, 0, 0));
		CHECK(faccessat(dirfd_, "boot-options.corrupt", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
	}
	/* A good file with one byte changed: wrong version, reserved flag bit,
	 * reserved device, one byte short, one byte long. */
	uint8_t good[256];
	ssize_t n;

	wipe();
	CHECK(SET(0x05, 0xc0, 0x04, 0, 0, 0) == CC_OK);
	n = store_read(dirfd_, "boot-options", good, sizeof(good));
	CHECK(n > 20);
	if (n <= 20)
		return;
	static const struct { size_t off; uint8_t val; } patch[] = {
		{ 4, 2 }, { 9, 0xc1 }, { 10, 0x28 },
	};
	for (size_t i = 0; i < sizeof(patch) / sizeof(patch[0]); i++) {
		uint8_t b[256];

		memcpy(b, good, (size_t)n);
		b[patch[i].off] = patch[i].val;
		CHECK(store_write(dirfd_, "boot-options", b, (size_t)n) == 0);
		restart();
		CHECK(flags1() == 0);
	}
	CHECK(store_write(dirfd_, "boot-options", good, (size_t)n - 1) == 0);
	restart();
	CHECK(flags1() == 0);
	good[n] = 0;
	CHECK(store_write(dirfd_, "boot-options", good, (size_t)n + 1) == 0);
	restart();
	CHECK(flags1() == 0);
	CHECK(store_write(dirfd_, "boot-options", good, (size_t)n) == 0);
	restart();
	CHECK(flags1() == 0xc0);
}

static void test_restarts(void)
{
	static const struct {
		enum restart_cause cause;
		uint8_t keep;
	} causes[] = {
		{ RESTART_POWER_BUTTON, 0x01 }, { RESTART_RTC, 0x01 },
		{ RESTART_RESET_BUTTON, 0x02 }, { RESTART_SOFT_RESET, 0x02 },
		{ RESTART_WATCHDOG, 0x04 },
		{ RESTART_PEF_RESET, 0x10 }, { RESTART_PEF_CYCLE, 0x10 },
	};

	wipe();
	/* A Chassis Control boot uses next-boot flags and acknowledges them. */
	CHECK(SET(0x04, 0x01, 0x01) == CC_OK);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	bootopt_power_event(bmc.bootopt, POWER_EV_ON, RESTART_CHASSIS_CMD);
	CHECK(flags1() == 0x00);
	CHECK(GET(4, 0) == CC_OK && RSP_IS(0x01, 0x04, 0x00, 0x00));
	restart();
	CHECK(flags1() == 0x00);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	bootopt_power_event(bmc.bootopt, POWER_EV_RESET, RESTART_CHASSIS_CMD);
	CHECK(!valid());
	/* Power off and faults do not touch them. */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	bootopt_power_event(bmc.bootopt, POWER_EV_OFF, RESTART_CHASSIS_CMD);
	bootopt_power_event(bmc.bootopt, POWER_EV_FAULT, RESTART_CHASSIS_CMD);
	CHECK(valid());
	/* Persistent flags stay. */
	CHECK(SET(0x05, 0xc0, 0x08, 0, 0, 0) == CC_OK);
	bootopt_power_event(bmc.bootopt, POWER_EV_ON, RESTART_CHASSIS_CMD);
	bootopt_power_event(bmc.bootopt, POWER_EV_RESET, RESTART_WATCHDOG);
	bootopt_power_event(bmc.bootopt, POWER_EV_ON, RESTART_AC_ALWAYS_ON);
	CHECK(flags1() == 0xc0);
	/* Other causes clear next-boot flags unless parameter 3 says not to. */
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		CHECK(SET(0x03, 0x00) == CC_OK);
		CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
		bootopt_power_event(bmc.bootopt, POWER_EV_ON, causes[i].cause);
		CHECK(!valid());
		CHECK(SET(0x03, (uint8_t)(0x1f & ~causes[i].keep)) == CC_OK);
		CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
		bootopt_power_event(bmc.bootopt, POWER_EV_RESET, causes[i].cause);
		CHECK(!valid());
		CHECK(SET(0x03, causes[i].keep) == CC_OK);
		CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
		bootopt_power_event(bmc.bootopt, POWER_EV_RESET, causes[i].cause);
		CHECK(valid());
	}
	CHECK(SET(0x03, 0x1f) == CC_OK);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	bootopt_power_event(bmc.bootopt, POWER_EV_ON, RESTART_AC_PREVIOUS);
	CHECK(!valid());
}

/* Next-boot flags set while a Chassis Control start is under way (power
 * state st, a power cycle pending or not): still valid three timeouts on? */
static bool kept_while(enum power_state st, bool cycle)
{
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	power.state = st;
	power.pending_cause = RESTART_CHASSIS_CMD;
	power.cycle_pending = cycle;
	run_for(TIMEOUT_USEC * 3);
	return valid();
}

static void test_timeout(void)
{
	wipe();
	/* Next-boot flags: cleared after the timeout. */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC / 2);
	CHECK(valid());
	run_for(TIMEOUT_USEC * 2);
	CHECK(flags1() == 0x00);
	restart();
	CHECK(flags1() == 0x00);
	/* Setting them again restarts the countdown. */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 7 / 10);
	CHECK(SET(0x05, 0x80, 0x08, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 7 / 10);
	CHECK(valid());
	run_for(TIMEOUT_USEC * 2);
	CHECK(!valid());
	/* Parameter 3 bit 3 keeps them (Ironic sends 00 08 03 08). */
	CHECK(SET(0x03, 0x08) == CC_OK);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 3);
	CHECK(valid());
	/* ... until it is cleared again: a fresh countdown. */
	CHECK(SET(0x03, 0x00) == CC_OK);
	run_for(TIMEOUT_USEC / 2);
	CHECK(valid());
	run_for(TIMEOUT_USEC * 2);
	CHECK(!valid());
	/* Persistent flags have no timeout. */
	CHECK(SET(0x05, 0xc0, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 3);
	CHECK(valid());
	/* Flags set invalid stop it. */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	CHECK(SET(0x05, 0x00, 0x04, 0, 0, 0) == CC_OK);
	CHECK(SET(0x05, 0xc0, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 2);
	CHECK(valid());
	/* Next-boot flags loaded at start get a fresh countdown. */
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	restart();
	CHECK(valid());
	run_for(TIMEOUT_USEC * 3);
	CHECK(!valid());
	/* A Chassis Control power on under way postpones the timeout... */
	CHECK(kept_while(POWER_POWERING_ON, false));
	/* ... and its boot uses the flags. */
	power.state = POWER_ON;
	bootopt_power_event(bmc.bootopt, POWER_EV_ON, RESTART_CHASSIS_CMD);
	CHECK(!valid());
	/* A power cycle under way too; a plain power off does not. */
	CHECK(kept_while(POWER_POWERING_OFF, true));
	power.cycle_pending = false;
	run_for(TIMEOUT_USEC * 3);
	CHECK(!valid());
}

static void test_write_failure(void)
{
	char path[sizeof(dir) + 32];

	wipe();
	CHECK(SET(0x05, 0xc0, 0x04, 0, 0, 0) == CC_OK);
	/* The state directory is gone: FFh, and nothing changes. */
	snprintf(path, sizeof(path), "%s/boot-options", dir);
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	CHECK(SET(0x05, 0xc0, 0x08, 0, 0, 0) == CC_UNSPECIFIED);
	CHECK(GET(5, 0) == CC_OK && RSP_IS(0x01, 0x05, 0xc0, 0x04, 0, 0, 0));
	/* Volatile parameters do not need the file. */
	CHECK(SET(0x00, 0x01) == CC_OK);
	CHECK(SET(0x00, 0x00) == CC_OK);
	/* The BMC's own clearing still happens. */
	bootopt_done(bmc.bootopt);
	CHECK(bootopt_init(bmc.bootopt, bmc.ev, -1, &power, TIMEOUT_USEC) == 0);
	CHECK(SET(0x05, 0x80, 0x04, 0, 0, 0) == CC_OK);
	run_for(TIMEOUT_USEC * 3);
	CHECK(!valid());
	bootopt_done(bmc.bootopt);
}

int main(void)
{
	const char *scale = getenv("BMCD_TEST_TIME_SCALE");

	test_bmc_parts(&bmc);
	if (scale && strtoull(scale, NULL, 10) >= 1)
		time_scale = strtoull(scale, NULL, 10);
	if (sd_event_new(&bmc.ev) < 0 || !mkdtemp(dir))
		return 1;
	dirfd_ = store_open_dir(dir);
	if (dirfd_ < 0)
		return 1;
	start();
	test_defaults();
	test_codes();
	test_params();
	test_state_file();
	test_restarts();
	test_timeout();
	test_write_failure();	/* last: removes the directory */
	close(dirfd_);
	sd_event_unref(bmc.ev);
	return tap_done("bootopt");
}
