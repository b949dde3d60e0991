/* SPDX-License-Identifier: MIT */
/*
 * The QEMU host: a real x86 VM that bmcd runs as its host (board
 * boards/qemu-host.json, docs/kcs.md).  Power on starts host.qemu.command;
 * power good is "the QEMU process is running"; forced off, soft off,
 * reset and the diagnostic interrupt are ipmi-bmc-extern control commands
 * (POWEROFF, GRACEFUL_SHUTDOWN, RESET, SEND_NMI) on the KCS connection,
 * with SIGTERM and then SIGKILL when the VM does not go.  The VM's serial
 * port is relayed to one console client (SOL's "socket" UART).
 */
#pragma once

#include "chassis/power.h"

struct bmc;
struct qemu_host;

/* A forced-off press is at least this long (shorter: ACPI power button). */
#define QEMU_FORCE_OFF_HOLD_MS 1000

extern const struct host_ops qemu_host_ops;

/* From bmc->cfg.host.qemu (and bmc->cfg.kcs.listen for "{kcs}"); NULL after
 * logging why.  Power-good edges go to 'power' once attached. */
struct qemu_host *qemu_host_new(struct bmc *bmc);
void qemu_host_attach(struct qemu_host *h, struct power *power);
/* Make bmc->qhost and run bmc->power on it (timing from 'base', with the
 * forced-off hold and off timeout of this backend).  0 or -errno. */
int qemu_host_power_init(struct bmc *bmc, const struct power_timing *base);
/* Stops the VM (SIGTERM, then SIGKILL after 3 s) and frees. */
struct qemu_host *qemu_host_free(struct qemu_host *h);
/* argv[i] with "{kcs}" and "{serial}" replaced by QEMU chardev addresses
 * ("path=/x" or "host=H,port=P"); false when it does not fit in out. */
bool qemu_expand_arg(const char *arg, const char *kcs, const char *serial, char *out, size_t size);
