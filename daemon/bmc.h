/* SPDX-License-Identifier: MIT */
/*
 * struct bmc is one BMC: the event loop, the board configuration, the state
 * directory and, for each module (daemon/modules.c), a pointer to its state,
 * which the module allocates in its init and frees in its done.  Handlers
 * receive it as their first argument and include the headers of the
 * subsystems they use.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/config.h"
#include "daemon/forward.h"

/* Get Device ID "additional device support": chassis, SEL, FRU inventory,
 * SDR repository, sensor device. */
#define BMC_DEVICE_SUPPORT 0x8f

struct bmc {
	sd_event *ev;
	struct board_config cfg;
	int state_fd;			/* the state directory */
	uint8_t system_guid[16];	/* wire order, as Get System GUID sends it */
	uint8_t device_guid[16];
	uint8_t global_enables;		/* Get/Set BMC Global Enables */
	struct session_table *sessions;
	struct channels *channels;	/* channel table and access (channels/channel.c) */
	struct users *users;		/* user table (channels/users.c) */
	struct lan *lan;
	struct power *power;		/* power sequencing (chassis/power.c) */
	struct chassis *chassis;
	struct lanconf *lanconf;
	struct bootopt *bootopt;	/* Set/Get System Boot Options */
	struct watchdog *wdt;		/* IPMI BMC watchdog (App 22h-25h), not the systemd one */
	struct acpi *acpi;		/* Set/Get ACPI Power State (chassis/acpi.c) */
	struct sim_host *sim;
	struct qemu_host *qhost;	/* host backend "qemu" (boards/qemu_host.c) */
	struct gpio_host *ghost;	/* host backend "gpio" (boards/gpio_host.c) */
	struct libvirt_host *vhost;	/* host backend "libvirt" (boards/libvirt_host.c) */
	struct kcs *kcs;		/* the host's system interface (kcs/) */
	struct sol *sol;		/* Serial over LAN (sol/) */
	struct sel *sel;		/* System Event Log (sel/) */
	struct fru *fru;		/* FRU inventory devices (fru/) */
	struct i2c_master *i2c;		/* Master Write-Read and its simulated devices (i2c/) */
	struct sensors *sensors;	/* the board's sensors (sensors/) */
	struct sdr *sdr;		/* SDR repository (sdr/) */
	struct dcmi *dcmi;		/* DCMI: power statistics and limit, asset tag (dcmi/) */
	struct pef *pef;		/* event filtering and alerts (pef/) */
	struct ipmb *ipmb;		/* IPMB channels, bridging, satellites (ipmb/) */
	struct dbus *dbus;		/* objects on D-Bus (dbus/) */
	struct redfish *redfish;	/* Redfish over HTTPS (redfish/) */
	struct thermal *thermal;	/* fan zones (thermal/) */
	unsigned modules_up;		/* bmc_modules[0..modules_up) are running */
	void *parts;			/* the modules' parts, one mapping (daemon/modules.c) */
	size_t parts_size;
	sd_event_source *tick;		/* once a second: every module's tick */
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
