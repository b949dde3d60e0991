/* SPDX-License-Identifier: MIT */
/*
 * The FRU devices on D-Bus as OpenBMC's inventory: each chassis, board and
 * product area an object under /xyz/openbmc_project/inventory/system with
 * xyz.openbmc_project.Inventory.Item (PrettyName, Present) and
 * .Inventory.Decorator.Asset, and the item type where one applies (Item.
 * Chassis with its Type, Item.Board, Item.System).  Paths (docs/dbus.md):
 *
 *	FRU 0 chassis area	.../system/chassis (always there: sensors are
 *				associated with it)
 *	FRU 0 product area	.../system
 *	board area		.../system/board/<device name>
 *	other chassis areas	.../system/chassis/<device name>
 *	other product areas	.../system/product/<device name>
 *
 * The objects are not copies: a fallback vtable reads the device's image
 * (parsed at each read, as Read FRU Data would serve it), so a Write FRU
 * Data shows at once; the tick compares a hash of each area and signals
 * the objects that came, went or changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"
#include "fru/fru.h"
#include "fru/fru_format.h"

#define INV_PATH "/xyz/openbmc_project/inventory"
#define SYSTEM_PATH INV_PATH "/system"
#define ITEM_IFACE "xyz.openbmc_project.Inventory.Item"
#define ASSET_IFACE "xyz.openbmc_project.Inventory.Decorator.Asset"
#define CHASSIS_IFACE "xyz.openbmc_project.Inventory.Item.Chassis"
#define BOARD_IFACE "xyz.openbmc_project.Inventory.Item.Board"
#define SYSTEM_IFACE "xyz.openbmc_project.Inventory.Item.System"

#define N_SLOTS (CFG_MAX_FRUS * FRU_AREAS)
_Static_assert(N_SLOTS == DBUS_INVENTORY_SLOTS, "struct dbus: a hash per FRU area");

/* Slot i: device i / FRU_AREAS of the FRU module, area i % FRU_AREAS. */
static const struct fru_dev *slot_dev(const struct dbus *d, unsigned slot)
{
	const struct fru *fru = d->bmc->fru;

	return fru && slot / FRU_AREAS < fru->n ? &fru->dev[slot / FRU_AREAS] : NULL;
}

/* FRU 0's chassis area: the system's chassis. */
static bool is_system_chassis(const struct dbus *d, unsigned slot)
{
	const struct fru_dev *dev = slot_dev(d, slot);

	return dev && dev->cfg->id == 0 && slot % FRU_AREAS == FRU_AREA_CHASSIS;
}

static bool slot_path(const struct dbus *d, unsigned slot, char *out, size_t size)
{
	const struct fru_dev *dev = slot_dev(d, slot);
	enum fru_area_kind k = (enum fru_area_kind)(slot % FRU_AREAS);
	static const char *const dirs[FRU_AREAS] = { "chassis", "board", "product" };
	size_t n;

	if (!dev)
		return false;
	if (dev->cfg->id == 0 && k != FRU_AREA_BOARD) {
		snprintf(out, size, "%s", k == FRU_AREA_CHASSIS ? DBUS_CHASSIS_PATH : SYSTEM_PATH);
		return true;
	}
	/* The device's name, with what a path element cannot hold as '_'. */
	n = (size_t)snprintf(out, size, SYSTEM_PATH "/%s/", dirs[k]);
	if (!dev->cfg->name[0])
		n += (size_t)snprintf(out + n, size - n, "fru%u", dev->cfg->id);
	for (const char *c = dev->cfg->name; *c && n + 1 < size; c++, n++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_';

		out[n] = ok ? *c : '_';
	}
	out[n < size ? n : size - 1] = '\0';
	return true;
}

/* A slot whose path an earlier slot has (two devices of one name) is
 * left out. */
static bool slot_taken(const struct dbus *d, unsigned slot, const char *path)
{
	char p[128];

	for (unsigned i = 0; i < slot; i++)
		if (slot_path(d, i, p, sizeof(p)) && !strcmp(p, path))
			return true;
	return false;
}

/* The area of a slot in its device's image, when the image is valid FRU
 * information that has it. */
static const struct fru_area_view *slot_area(const struct dbus *d, unsigned slot,
					     struct fru_view *v)
{
	const struct fru_dev *dev = slot_dev(d, slot);

	if (!dev || !dev->img || fru_parse(dev->img, dev->size, v, NULL, 0) < 0)
		return NULL;
	return v->area[slot % FRU_AREAS].present ? &v->area[slot % FRU_AREAS] : NULL;
}

/* Whether the object is there: its area is, or it is the system's chassis. */
static bool slot_exists(const struct dbus *d, unsigned slot)
{
	struct fru_view v;
	char p[128];

	if (!slot_path(d, slot, p, sizeof(p)) || slot_taken(d, slot, p))
		return false;
	return is_system_chassis(d, slot) || slot_area(d, slot, &v);
}

/* The slot at an object path, or -1.  The system's chassis is there even
 * with no FRU 0 at all (slot N_SLOTS: no device, no area). */
static int path_slot(const struct dbus *d, const char *path)
{
	char p[128];

	for (unsigned i = 0; i < N_SLOTS; i++)
		if (slot_path(d, i, p, sizeof(p)) && !strcmp(p, path))
			return slot_exists(d, i) ? (int)i : -1;
	return !strcmp(path, DBUS_CHASSIS_PATH) ? N_SLOTS : -1;
}

static bool is_item(void *userdata, const char *path)
{
	return path_slot(userdata, path) >= 0;
}

static bool is_chassis(void *userdata, const char *path)
{
	int slot = path_slot(userdata, path);

	return slot == N_SLOTS || (slot >= 0 && slot % FRU_AREAS == FRU_AREA_CHASSIS);
}

static bool is_board(void *userdata, const char *path)
{
	int slot = path_slot(userdata, path);

	return slot >= 0 && slot < N_SLOTS && slot % FRU_AREAS == FRU_AREA_BOARD;
}

static bool is_system(void *userdata, const char *path)
{
	return !strcmp(path, SYSTEM_PATH) && path_slot(userdata, path) >= 0;
}

DBUS_FALLBACK_FIND(find_item, is_item)
DBUS_FALLBACK_FIND(find_chassis, is_chassis)
DBUS_FALLBACK_FIND(find_board, is_board)
DBUS_FALLBACK_FIND(find_system, is_system)

/* Which field of each area an Asset property (or PrettyName) shows; -1:
 * none.  Chassis: part number, serial.  Board: manufacturer, product name,
 * serial, part number.  Product: manufacturer, name, part/model number,
 * version, serial. */
enum prop { P_MANUFACTURER, P_MODEL, P_PART, P_SERIAL, P_PRETTY, P_COUNT };

static const int8_t field_of[FRU_AREAS][P_COUNT] = {
	[FRU_AREA_CHASSIS] = { -1, -1, 0, 1, -1 },
	[FRU_AREA_BOARD] = { 0, 1, 3, 2, 1 },
	[FRU_AREA_PRODUCT] = { 0, 1, 2, 4, 1 },
};

static enum prop prop_of(const char *name)
{
	static const char *const names[P_COUNT] = {
		"Manufacturer", "Model", "PartNumber", "SerialNumber", "PrettyName",
	};

	for (int i = 0; i < P_COUNT; i++)
		if (!strcmp(names[i], name))
			return (enum prop)i;
	return P_COUNT;
}

/* A text property: its area's field, else "" (PrettyName: the device's
 * name, or what the object is). */
static int get_text(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	int slot = path_slot(d, path);
	enum prop p = prop_of(prop);
	const struct fru_area_view *a = NULL;
	const struct fru_dev *dev = NULL;
	struct fru_view v;
	char text[4 * FRU_FIELD_MAX + 1] = "";
	int f = -1;

	if (slot >= 0 && slot < N_SLOTS) {
		dev = slot_dev(d, (unsigned)slot);
		a = slot_area(d, (unsigned)slot, &v);
		if (p < P_COUNT)
			f = field_of[slot % FRU_AREAS][p];
	}
	if (a && f >= 0 && (unsigned)f < a->n)
		fru_field_text(dev->img, &a->f[f], text, sizeof(text));
	if (p == P_PRETTY && !text[0])
		snprintf(text, sizeof(text), "%s", dev && dev->cfg->name[0] ? dev->cfg->name : "Chassis");
	return sd_bus_message_append(reply, "s", text);
}

/* The board's manufacturing date (minutes since 1996, 0: unspecified) as
 * ISO 8601, YYYYMMDDThhmmssZ; "" elsewhere. */
static int get_build_date(sd_bus *bus, const char *path, const char *iface, const char *prop,
			  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	int slot = path_slot(d, path);
	const struct fru_area_view *a = NULL;
	struct fru_view v;
	char text[32] = "";

	if (slot >= 0 && slot < N_SLOTS && slot % FRU_AREAS == FRU_AREA_BOARD)
		a = slot_area(d, (unsigned)slot, &v);
	if (a) {
		uint32_t min = (uint32_t)(a->fixed[1] | a->fixed[2] << 8 | a->fixed[3] << 16);
		time_t t = (time_t)FRU_DATE_EPOCH + (time_t)min * 60;
		struct tm tm;

		if (min && gmtime_r(&t, &tm))
			strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &tm);
	}
	return sd_bus_message_append(reply, "s", text);
}

static int get_present(sd_bus *bus, const char *path, const char *iface, const char *prop,
		       sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	return sd_bus_message_append(reply, "b", 1);
}

/* The chassis area's type (SMBIOS chassis type) as a ChassisType. */
static const char *chassis_type(uint8_t smbios)
{
	switch (smbios) {
	case 0x17:	/* rack mount */
		return "RackMount";
	case 0x03: case 0x04: case 0x06: case 0x07: case 0x11:	/* desktops, towers, main server */
		return "StandAlone";
	case 0x1c:
		return "Blade";
	case 0x19: case 0x1d:	/* multi-system, blade enclosure */
		return "Enclosure";
	case 0x16:	/* RAID */
		return "StorageEnclosure";
	case 0x13:	/* sub-chassis */
		return "Module";
	default:
		return "Unknown";
	}
}

static int get_chassis_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
			    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	int slot = path_slot(d, path);
	const struct fru_area_view *a = NULL;
	struct fru_view v;
	char text[96];

	if (slot >= 0 && slot < N_SLOTS)
		a = slot_area(d, (unsigned)slot, &v);
	snprintf(text, sizeof(text), CHASSIS_IFACE ".ChassisType.%s",
		 chassis_type(a ? a->fixed[0] : 0x02));
	return sd_bus_message_append(reply, "s", text);
}

static const sd_bus_vtable item_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("PrettyName", "s", get_text, 0, EMITS),
	SD_BUS_PROPERTY("Present", "b", get_present, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable asset_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Manufacturer", "s", get_text, 0, EMITS),
	SD_BUS_PROPERTY("Model", "s", get_text, 0, EMITS),
	SD_BUS_PROPERTY("PartNumber", "s", get_text, 0, EMITS),
	SD_BUS_PROPERTY("SerialNumber", "s", get_text, 0, EMITS),
	SD_BUS_PROPERTY("BuildDate", "s", get_build_date, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chassis_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Type", "s", get_chassis_type, 0, EMITS),
	SD_BUS_VTABLE_END,
};

/* Item.Board and Item.System have no properties: their names say it. */
static const sd_bus_vtable empty_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_VTABLE_END,
};

/* Every object there now; the system's chassis even without FRU 0. */
static int enumerate_items(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
			   sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	char **nodes = calloc(N_SLOTS + 2, sizeof(*nodes));
	char p[128];
	unsigned n = 0;
	bool chassis = false;

	if (!nodes)
		return -ENOMEM;
	for (unsigned i = 0; i < N_SLOTS; i++) {
		if (!slot_exists(d, i) || !slot_path(d, i, p, sizeof(p)))
			continue;
		chassis |= !strcmp(p, DBUS_CHASSIS_PATH);
		if (!(nodes[n++] = strdup(p)))
			goto nomem;
	}
	if (!chassis && !(nodes[n++] = strdup(DBUS_CHASSIS_PATH)))
		goto nomem;
	*ret_nodes = nodes;
	return 0;
nomem:
	for (unsigned i = 0; i < n; i++)
		free(nodes[i]);
	free(nodes);
	return -ENOMEM;
}

/* A hash of what a slot's object shows (FNV-1a over its area's bytes), 0
 * while it is not there. */
static uint64_t slot_hash(const struct dbus *d, unsigned slot)
{
	const struct fru_area_view *a;
	struct fru_view v;
	uint64_t h = 14695981039346656037ull;

	if (!slot_exists(d, slot))
		return 0;
	a = slot_area(d, slot, &v);
	for (unsigned i = 0; a && i < a->len; i++)
		h = (h ^ slot_dev(d, slot)->img[a->off + i]) * 1099511628211ull;
	return h ? h : 1;
}

/* The interfaces a slot's object has, for InterfacesAdded/Removed. */
static void slot_ifaces(const struct dbus *d, unsigned slot, const char *path, const char *out[3])
{
	out[0] = ITEM_IFACE;
	out[1] = ASSET_IFACE;
	out[2] = slot % FRU_AREAS == FRU_AREA_CHASSIS ? CHASSIS_IFACE
		 : slot % FRU_AREAS == FRU_AREA_BOARD ? BOARD_IFACE
		 : !strcmp(path, SYSTEM_PATH) ? SYSTEM_IFACE : NULL;
}

int dbus_inventory_add(struct dbus *d)
{
	static const struct {
		const char *iface;
		const sd_bus_vtable *vtable;
		sd_bus_object_find_t find;
	} ifaces[] = {
		{ ITEM_IFACE, item_vtable, find_item },
		{ ASSET_IFACE, asset_vtable, find_item },
		{ CHASSIS_IFACE, chassis_vtable, find_chassis },
		{ BOARD_IFACE, empty_vtable, find_board },
		{ SYSTEM_IFACE, empty_vtable, find_system },
	};
	char p[128];
	int r = 0;

	for (unsigned i = 0; i < N_SLOTS; i++) {
		if (i % FRU_AREAS == FRU_AREA_BOARD && slot_path(d, i, p, sizeof(p)) && slot_taken(d, i, p))
			log_warning("dbus: FRU %u (\"%s\") not in the inventory: %s is another "
				    "device's", slot_dev(d, i)->cfg->id, slot_dev(d, i)->cfg->name, p);
		d->inventory_shown[i] = slot_hash(d, i);
	}
	for (size_t i = 0; r >= 0 && i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, INV_PATH, ifaces[i].iface,
					       ifaces[i].vtable, ifaces[i].find, d);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(d->bus, NULL, INV_PATH, enumerate_items, d);
	return r;
}

/* Areas that came, went or changed since the last call (a Write FRU Data,
 * an EEPROM read at last): InterfacesAdded, InterfacesRemoved,
 * PropertiesChanged. */
void dbus_inventory_changed(struct dbus *d)
{
	for (unsigned i = 0; d->bus && i < N_SLOTS; i++) {
		uint64_t h = slot_hash(d, i), was = d->inventory_shown[i];
		const char *ifs[3];
		char path[128];

		if (h == was || !slot_path(d, i, path, sizeof(path)))
			continue;
		d->inventory_shown[i] = h;
		slot_ifaces(d, i, path, ifs);
		if (!was)
			sd_bus_emit_interfaces_added(d->bus, path, ifs[0], ifs[1], ifs[2], NULL);
		else if (!h)
			sd_bus_emit_interfaces_removed(d->bus, path, ifs[0], ifs[1], ifs[2], NULL);
		else
			for (unsigned k = 0; k < 3 && ifs[k]; k++)
				if (strcmp(ifs[k], BOARD_IFACE) && strcmp(ifs[k], SYSTEM_IFACE))
					sd_bus_emit_properties_changed_strv(d->bus, path, ifs[k], NULL);
	}
}
