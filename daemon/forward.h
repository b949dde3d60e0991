/* SPDX-License-Identifier: MIT */
/* The types struct bmc points to, by name only: a file that uses one
 * includes its subsystem's header. */
#pragma once

struct acpi;
struct bootopt;
struct channels;
struct chassis;
struct dcmi;
struct fru;
struct gpio_host;
struct i2c_master;
struct ipmb;
struct kcs;
struct lan;
struct lanconf;
struct pef;
struct power;
struct qemu_host;
struct redfish;
struct sdr;
struct sel;
struct sensors;
struct session_table;
struct sim_host;
struct sol;
struct thermal;
struct users;
struct watchdog;
