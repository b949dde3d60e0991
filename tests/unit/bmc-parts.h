/* SPDX-License-Identifier: MIT */
/*
 * For unit tests that build a struct bmc by hand instead of bmc_init(): point
 * each module's part at zeroed storage, as bmc_modules_init() would, so the
 * test can init just the subsystems it exercises.
 */
#pragma once

#include "channels/channel.h"
#include "channels/lanconfig.h"
#include "channels/session.h"
#include "channels/users.h"
#include "chassis/acpi.h"
#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "chassis/power.h"
#include "chassis/watchdog.h"
#include "daemon/bmc.h"
#include "dcmi/dcmi.h"
#include "fru/fru.h"
#include "pef/pef.h"
#include "sdr/sdr.h"
#include "sel/sel.h"
#include "sensors/sensors.h"

static inline void test_bmc_parts(struct bmc *b)
{
	static struct session_table sessions;
	static struct channels channels;
	static struct users users;
	static struct power power;
	static struct chassis chassis;
	static struct lanconf lanconf;
	static struct bootopt bootopt;
	static struct watchdog wdt;
	static struct acpi acpi;
	static struct sel sel;
	static struct fru fru;
	static struct sensors sensors;
	static struct sdr sdr;
	static struct dcmi dcmi;
	static struct pef pef;

	b->sessions = &sessions;
	b->channels = &channels;
	b->users = &users;
	b->power = &power;
	b->chassis = &chassis;
	b->lanconf = &lanconf;
	b->bootopt = &bootopt;
	b->wdt = &wdt;
	b->acpi = &acpi;
	b->sel = &sel;
	b->fru = &fru;
	b->sensors = &sensors;
	b->sdr = &sdr;
	b->dcmi = &dcmi;
	b->pef = &pef;
}
