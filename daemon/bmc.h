/* SPDX-License-Identifier: MIT */
/*
 * struct bmc owns the event loop, the board configuration, the subsystems
 * and every event source.  Handlers receive it as their first argument.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "channels/lanconfig.h"
#include "channels/channel.h"
#include "channels/session.h"
#include "channels/users.h"
#include "chassis/acpi.h"
#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "chassis/power.h"
#include "chassis/watchdog.h"
#include "daemon/config.h"
#include "dcmi/dcmi.h"
#include "fru/fru.h"
#include "i2c/master.h"
#include "pef/pef.h"
#include "sdr/sdr.h"
#include "sel/sel.h"
#include "sensors/sensors.h"

/* Get Device ID "additional device support": chassis, SEL, FRU inventory,
 * SDR repository, sensor device. */
#define BMC_DEVICE_SUPPORT 0x8f

struct lan;
struct sim_host;
struct qemu_host;
struct kcs;
struct sol;

struct bmc {
	sd_event *ev;
	struct board_config cfg;
	int state_fd;			/* the state directory */
	uint8_t system_guid[16];	/* wire order, as Get System GUID sends it */
	uint8_t device_guid[16];
	uint8_t global_enables;		/* Get/Set BMC Global Enables */
	struct session_table sessions;
	struct channels channels;	/* channel table and access (channels/channel.c) */
	struct users users;		/* user table (channels/users.c) */
	struct lan *lan;
	struct power power;
	struct chassis chassis;
	struct lanconf lanconf;
	struct bootopt bootopt;		/* Set/Get System Boot Options */
	struct watchdog wdt;		/* IPMI BMC watchdog (App 22h-25h), not the systemd one */
	struct acpi acpi;		/* Set/Get ACPI Power State (chassis/acpi.c) */
	struct sim_host *sim;
	struct qemu_host *qhost;	/* host backend "qemu" (boards/qemu_host.c) */
	struct gpio_host *ghost;	/* host backend "gpio" (boards/gpio_host.c) */
	struct kcs *kcs;		/* the host's system interface (kcs/) */
	struct sol *sol;		/* Serial over LAN (sol/) */
	struct sel sel;			/* System Event Log (sel/) */
	struct fru fru;			/* FRU inventory devices (fru/) */
	struct i2c_master i2c;		/* Master Write-Read's simulated devices (i2c/) */
	struct sensors sensors;		/* the board's sensors (sensors/) */
	struct sdr sdr;			/* SDR repository (sdr/) */
	struct dcmi dcmi;		/* DCMI: power statistics and limit, asset tag (dcmi/) */
	struct pef pef;			/* event filtering and alerts (pef/) */
	struct ipmb *ipmb;		/* IPMB channels, bridging, satellites (ipmb/) */
	sd_event_source *watchdog;
	sd_event_source *expiry;
	sd_event_source *reset;		/* deferred cold/warm reset */
	bool cold_reset;
};

/* Set up everything the board file describes.  Logs its own errors. */
int bmc_init(struct bmc *bmc, sd_event *ev, const struct board_config *cfg, const char *state_dir);
void bmc_done(struct bmc *bmc);
/* Schedule a cold (sessions dropped) or warm (sessions kept) reset, to run
 * after the current response is sent. */
void bmc_schedule_reset(struct bmc *bmc, bool cold);
uint64_t bmc_now(struct bmc *bmc);
