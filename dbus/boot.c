/* SPDX-License-Identifier: MIT */
/*
 * IPMI's boot flags (System Boot Options parameter 5) as OpenBMC's boot
 * settings: xyz.openbmc_project.Control.Boot.Source and .Mode at
 * /xyz/openbmc_project/control/host0/boot (persistent) and .../boot/
 * one_time (next boot only, with xyz.openbmc_project.Object.Enable).
 * IPMI has one set of flags with one device field, so the two objects
 * share it: the one whose kind (persistent or not) the valid flags have
 * shows their device, the other Default/Regular; a write to either
 * replaces the flags through bootopt_set(), as Set System Boot Options
 * does (checked, saved, and the valid-bit timeout started).
 */
#include <errno.h>
#include <string.h>

#include "chassis/bootopt.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"

#define BOOT_PATH "/xyz/openbmc_project/control/host0/boot"
#define ONE_TIME_PATH BOOT_PATH "/one_time"
#define SOURCE_IFACE "xyz.openbmc_project.Control.Boot.Source"
#define MODE_IFACE "xyz.openbmc_project.Control.Boot.Mode"
#define ENABLE_IFACE "xyz.openbmc_project.Object.Enable"
#define TYPE_IFACE "xyz.openbmc_project.Control.Boot.Type"
#define TYPE_EFI TYPE_IFACE ".Types.EFI"
#define TYPE_LEGACY TYPE_IFACE ".Types.Legacy"
#define SRC SOURCE_IFACE ".Sources."
#define MODE MODE_IFACE ".Modes."

/* A D-Bus value and its device; sources first, then modes. */
struct boot_value {
	const char *name;
	enum bootopt_device dev;
};

static const struct boot_value sources[] = {
	{ SRC "Default", BOOTDEV_NONE }, { SRC "Network", BOOTDEV_PXE },
	{ SRC "Disk", BOOTDEV_DISK }, { SRC "ExternalMedia", BOOTDEV_CDROM },
	{ SRC "RemovableMedia", BOOTDEV_FLOPPY }, { NULL, 0 },
};

static const struct boot_value modes[] = {
	{ MODE "Regular", BOOTDEV_NONE }, { MODE "Safe", BOOTDEV_DISK_SAFE },
	{ MODE "Setup", BOOTDEV_SETUP }, { NULL, 0 },
};

static bool is_one_time(const char *path)
{
	return !strcmp(path, ONE_TIME_PATH);
}

/* The device the object at 'path' shows (BOOTDEV_NONE: not its flags). */
static enum bootopt_device object_dev(const struct bootopt *b, const char *path)
{
	const uint8_t *f = b->v.saved.flags;
	bool pers = f[0] & BOOTOPT_F1_PERSISTENT;

	if (!(f[0] & BOOTOPT_F1_VALID) || pers == is_one_time(path))
		return BOOTDEV_NONE;
	return (enum bootopt_device)((f[1] >> 2) & 0xf);
}

static const char *source_name(enum bootopt_device dev)
{
	switch (dev) {
	case BOOTDEV_PXE:
		return SRC "Network";
	case BOOTDEV_DISK:
	case BOOTDEV_DISK_SAFE:
	case BOOTDEV_REMOTE_DISK:
		return SRC "Disk";
	case BOOTDEV_CDROM:
	case BOOTDEV_REMOTE_CDROM:
	case BOOTDEV_REMOTE_MEDIA:
		return SRC "ExternalMedia";
	case BOOTDEV_FLOPPY:
	case BOOTDEV_REMOTE_FLOPPY:
		return SRC "RemovableMedia";
	default:
		return SRC "Default";
	}
}

static const char *mode_name(enum bootopt_device dev)
{
	return dev == BOOTDEV_DISK_SAFE ? MODE "Safe" : dev == BOOTDEV_SETUP ? MODE "Setup" : MODE "Regular";
}

static int get_boot(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct bootopt *b = ((struct dbus *)userdata)->bmc->bootopt;
	enum bootopt_device dev = object_dev(b, path);

	if (!strcmp(prop, "BootType"))
		return sd_bus_message_append(reply, "s", b->v.saved.flags[0] & BOOTOPT_F1_EFI ? TYPE_EFI
										       : TYPE_LEGACY);
	if (!strcmp(prop, "Enabled"))
		return sd_bus_message_append(reply, "b", (int)((b->v.saved.flags[0] & BOOTOPT_F1_VALID) &&
							      !(b->v.saved.flags[0] & BOOTOPT_F1_PERSISTENT)));
	return sd_bus_message_append(reply, "s", !strcmp(prop, "BootSource") ? source_name(dev)
									     : mode_name(dev));
}

/* New flags: valid (persistent or not) with 'dev', EFI or not, the
 * other bits kept; valid false clears them. */
static int write_flags_efi(struct dbus *d, bool valid, bool persistent, enum bootopt_device dev,
			   bool efi, sd_bus_error *ret_error)
{
	int r = bootopt_set_flags(d->bmc->bootopt, valid, persistent, efi, dev);

	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, r, "boot flags: %s", strerror(-r));
	dbus_boot_changed(d);
	return 0;
}

static int write_flags(struct dbus *d, bool valid, bool persistent, enum bootopt_device dev,
		       sd_bus_error *ret_error)
{
	return write_flags_efi(d, valid, persistent, dev,
			       d->bmc->bootopt->v.saved.flags[0] & BOOTOPT_F1_EFI, ret_error);
}

/* BootType: the EFI bit alone changes; the flags stay as they are (valid
 * or not, persistent or not, the device). */
static int set_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const uint8_t *f = d->bmc->bootopt->v.saved.flags;
	const char *s;
	int r;

	r = sd_bus_message_read(value, "s", &s);
	if (r >= 0)
		r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	if (strcmp(s, TYPE_EFI) && strcmp(s, TYPE_LEGACY))
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "\"%s\" is not a value of %s", s, prop);
	log_info("dbus: %s %s: %s", path, prop, s);
	return write_flags_efi(d, f[0] & BOOTOPT_F1_VALID, f[0] & BOOTOPT_F1_PERSISTENT,
			       (enum bootopt_device)((f[1] >> 2) & 0xf), !strcmp(s, TYPE_EFI), ret_error);
}

/*
 * BootSource picks the device (Regular mode); BootMode Safe or Setup
 * picks the safe-mode disk or the BIOS setup, Regular the source the
 * object showed.  Source Default and mode Regular together clear the
 * flags.  Enabled (one_time) turns the next-boot flags on or off.
 */
static int set_boot(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	bool is_mode = strcmp(prop, "BootSource") != 0;
	const struct boot_value *v = is_mode ? modes : sources;
	enum bootopt_device dev = object_dev(d->bmc->bootopt, path);
	bool persistent = !is_one_time(path);
	const char *s;
	int on, r;

	if (!strcmp(prop, "Enabled")) {
		r = sd_bus_message_read(value, "b", &on);
		if (r >= 0)
			r = dbus_refuse_read_only(d, ret_error);
		return r < 0 ? r : write_flags(d, on, false, dev, ret_error);
	}
	r = sd_bus_message_read(value, "s", &s);
	if (r >= 0)
		r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	for (; v->name && strcmp(v->name, s); v++)
		;
	if (!v->name)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "\"%s\" is not a value of %s", s, prop);
	if (is_mode && v->dev == BOOTDEV_NONE)	/* Regular: back to the source */
		dev = dev == BOOTDEV_DISK_SAFE ? BOOTDEV_DISK : dev == BOOTDEV_SETUP ? BOOTDEV_NONE : dev;
	else
		dev = v->dev;
	log_info("dbus: %s %s: %s", path, prop, s);
	return write_flags(d, dev != BOOTDEV_NONE, persistent, dev, ret_error);
}

static const sd_bus_vtable source_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("BootSource", "s", get_boot, set_boot, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable mode_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("BootMode", "s", get_boot, set_boot, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable type_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("BootType", "s", get_boot, set_type, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable enable_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("Enabled", "b", get_boot, set_boot, 0, EMITS),
	SD_BUS_VTABLE_END,
};

int dbus_boot_add(struct dbus *d)
{
	static const char *const paths[] = { BOOT_PATH, ONE_TIME_PATH };
	int r = 0;

	if (!d->bmc->bootopt)
		return 0;
	memcpy(d->boot_shown, d->bmc->bootopt->v.saved.flags, sizeof(d->boot_shown));
	for (size_t i = 0; r >= 0 && i < 2; i++) {
		r = sd_bus_add_object_vtable(d->bus, NULL, paths[i], SOURCE_IFACE, source_vtable, d);
		if (r >= 0)
			r = sd_bus_add_object_vtable(d->bus, NULL, paths[i], MODE_IFACE, mode_vtable, d);
	}
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, ONE_TIME_PATH, ENABLE_IFACE, enable_vtable, d);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, BOOT_PATH, TYPE_IFACE, type_vtable, d);
	return r;
}

/* Flags changed by IPMI, by a boot, by the valid-bit timeout or by D-Bus:
 * both objects signal what they show. */
void dbus_boot_changed(struct dbus *d)
{
	const uint8_t *f;

	if (!d->bus || !d->bmc->bootopt)
		return;
	f = d->bmc->bootopt->v.saved.flags;
	if (!memcmp(f, d->boot_shown, sizeof(d->boot_shown)))
		return;
	memcpy(d->boot_shown, f, sizeof(d->boot_shown));
	sd_bus_emit_properties_changed(d->bus, BOOT_PATH, SOURCE_IFACE, "BootSource", NULL);
	sd_bus_emit_properties_changed(d->bus, BOOT_PATH, MODE_IFACE, "BootMode", NULL);
	sd_bus_emit_properties_changed(d->bus, ONE_TIME_PATH, SOURCE_IFACE, "BootSource", NULL);
	sd_bus_emit_properties_changed(d->bus, ONE_TIME_PATH, MODE_IFACE, "BootMode", NULL);
	sd_bus_emit_properties_changed(d->bus, ONE_TIME_PATH, ENABLE_IFACE, "Enabled", NULL);
	sd_bus_emit_properties_changed(d->bus, BOOT_PATH, TYPE_IFACE, "BootType", NULL);
}
