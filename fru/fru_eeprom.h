/* SPDX-License-Identifier: MIT */
/*
 * EEPROMs behind FRU devices: the at24 driver's sysfs "eeprom" file (or a
 * plain file standing in for it) and raw I2C through /dev/i2c-N (the
 * I2C device helper, i2c/dev.h).  All
 * calls are synchronous and short (the device is small); each returns 0
 * or a negative errno and leaves the logging to the caller.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fru/fru_cfg.h"

/* The EEPROM's size in bytes, for a device whose board entry gives none
 * (the sysfs file's size).  -errno when it cannot be found. */
int fru_eeprom_size(const struct cfg_fru *f, uint32_t *size);
/* Read len bytes from offset 0 into buf. */
int fru_eeprom_read(const struct cfg_fru *f, uint8_t *buf, size_t len);
/* Write n bytes at off. */
int fru_eeprom_write(const struct cfg_fru *f, size_t off, const uint8_t *p, size_t n);
