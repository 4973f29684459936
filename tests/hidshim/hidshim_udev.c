/*
 * The libudev calls libfido2 1.12 makes on Linux (hid_linux.c, and
 * nfc_linux.c's enumeration), answered from the shim's device list only:
 * subsystem "hidraw" lists /sys/devices/virtual/hidshim/hidraw<i>, whose
 * devnode is /dev/hidraw<i>, whose "hid" parent has a uevent with
 * HID_ID=0003 (USB):1050:0407 and whose "usb"/"usb_device" parent has
 * manufacturer and product attributes. Every other subsystem is empty: a
 * program under the shim sees no real device, so a test never depends on
 * what is plugged into the machine running it.
 *
 * The objects are the shim's own (libudev's types are opaque to callers).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hidshim.h"

struct udev {
	int refs;
};

struct udev_list_entry {
	struct udev_list_entry *next;
	char name[64];
};

struct udev_enumerate {
	int refs;
	bool hidraw;              /* the subsystem asked for */
	struct udev_list_entry entries[HIDSHIM_MAX_DEVICES];
	size_t n;
};

struct udev_device {
	int refs;
	struct udev_device *hid, *usb;   /* parents, owned by the child */
	char devnode[64];
	char sysnum[16];
	char attr_uevent[128];
	char attr_manufacturer[64];
	char attr_product[64];
	const char *subsystem;
};

/* libudev's prototypes (its header is not a build dependency). */
struct udev *udev_new(void);
struct udev *udev_unref(struct udev *u);
struct udev_enumerate *udev_enumerate_new(struct udev *u);
struct udev_enumerate *udev_enumerate_unref(struct udev_enumerate *e);
int udev_enumerate_add_match_subsystem(struct udev_enumerate *e, const char *subsystem);
int udev_enumerate_scan_devices(struct udev_enumerate *e);
struct udev_list_entry *udev_enumerate_get_list_entry(struct udev_enumerate *e);
struct udev_list_entry *udev_list_entry_get_next(struct udev_list_entry *l);
const char *udev_list_entry_get_name(struct udev_list_entry *l);
struct udev_device *udev_device_unref(struct udev_device *d);
struct udev_device *udev_device_new_from_syspath(struct udev *u, const char *syspath);
const char *udev_device_get_devnode(struct udev_device *d);
const char *udev_device_get_sysnum(struct udev_device *d);
struct udev_device *udev_device_get_parent_with_subsystem_devtype(struct udev_device *d,
    const char *subsystem, const char *devtype);
const char *udev_device_get_sysattr_value(struct udev_device *d, const char *attr);

struct udev *udev_new(void)
{
	struct udev *u = calloc(1, sizeof(*u));

	if (u != NULL)
		u->refs = 1;
	return u;
}

struct udev *udev_unref(struct udev *u)
{
	if (u != NULL && --u->refs == 0)
		free(u);
	return NULL;
}

struct udev_enumerate *udev_enumerate_new(struct udev *u)
{
	struct udev_enumerate *e;

	if (u == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->refs = 1;
	return e;
}

struct udev_enumerate *udev_enumerate_unref(struct udev_enumerate *e)
{
	if (e != NULL && --e->refs == 0)
		free(e);
	return NULL;
}

int udev_enumerate_add_match_subsystem(struct udev_enumerate *e, const char *subsystem)
{
	if (e == NULL || subsystem == NULL)
		return -1;
	e->hidraw = strcmp(subsystem, "hidraw") == 0;
	return 0;
}

int udev_enumerate_scan_devices(struct udev_enumerate *e)
{
	const struct hidshim_config *c = hidshim_config();

	if (e == NULL)
		return -1;
	e->n = 0;
	for (size_t i = 0; e->hidraw && i < c->n; i++) {
		snprintf(e->entries[i].name, sizeof(e->entries[i].name), "%s%zu",
		    HIDSHIM_SYSPATH_PREFIX, i);
		e->entries[i].next = NULL;
		if (i > 0)
			e->entries[i - 1].next = &e->entries[i];
		e->n++;
	}
	return 0;
}

struct udev_list_entry *udev_enumerate_get_list_entry(struct udev_enumerate *e)
{
	return e != NULL && e->n > 0 ? &e->entries[0] : NULL;
}

struct udev_list_entry *udev_list_entry_get_next(struct udev_list_entry *l)
{
	return l != NULL ? l->next : NULL;
}

const char *udev_list_entry_get_name(struct udev_list_entry *l)
{
	return l != NULL ? l->name : NULL;
}

static struct udev_device *device_alloc(const char *subsystem)
{
	struct udev_device *d = calloc(1, sizeof(*d));

	if (d != NULL) {
		d->refs = 1;
		d->subsystem = subsystem;
	}
	return d;
}

struct udev_device *udev_device_unref(struct udev_device *d)
{
	if (d != NULL && --d->refs == 0) {
		free(d->hid);
		free(d->usb);
		free(d);
	}
	return NULL;
}

struct udev_device *udev_device_new_from_syspath(struct udev *u, const char *syspath)
{
	struct udev_device *d = NULL;
	int i;

	if (u == NULL || (i = hidshim_index(syspath, HIDSHIM_SYSPATH_PREFIX)) < 0)
		return NULL;
	if ((d = device_alloc("hidraw")) == NULL ||
	    (d->hid = device_alloc("hid")) == NULL ||
	    (d->usb = device_alloc("usb")) == NULL) {
		udev_device_unref(d);
		return NULL;
	}
	snprintf(d->devnode, sizeof(d->devnode), "%s%d", HIDSHIM_DEVNODE_PREFIX, i);
	snprintf(d->sysnum, sizeof(d->sysnum), "%d", i);
	snprintf(d->hid->attr_uevent, sizeof(d->hid->attr_uevent),
	    "DRIVER=hid-generic\nHID_ID=0003:00001050:00000407\nHID_NAME=hidshim %d\n", i);
	snprintf(d->usb->attr_manufacturer, sizeof(d->usb->attr_manufacturer), "PracticeRunner tests");
	snprintf(d->usb->attr_product, sizeof(d->usb->attr_product), "hidshim softkey %d", i);
	return d;
}

const char *udev_device_get_devnode(struct udev_device *d)
{
	return d != NULL && d->devnode[0] != '\0' ? d->devnode : NULL;
}

const char *udev_device_get_sysnum(struct udev_device *d)
{
	return d != NULL && d->sysnum[0] != '\0' ? d->sysnum : NULL;
}

struct udev_device *udev_device_get_parent_with_subsystem_devtype(struct udev_device *d,
    const char *subsystem, const char *devtype)
{
	if (d == NULL || subsystem == NULL)
		return NULL;
	if (strcmp(subsystem, "hid") == 0)
		return d->hid;
	if (strcmp(subsystem, "usb") == 0 && devtype != NULL && strcmp(devtype, "usb_device") == 0)
		return d->usb;
	return NULL;
}

const char *udev_device_get_sysattr_value(struct udev_device *d, const char *attr)
{
	const char *v = NULL;

	if (d == NULL || attr == NULL)
		return NULL;
	if (strcmp(attr, "uevent") == 0)
		v = d->attr_uevent;
	else if (strcmp(attr, "manufacturer") == 0)
		v = d->attr_manufacturer;
	else if (strcmp(attr, "product") == 0)
		v = d->attr_product;
	return v != NULL && v[0] != '\0' ? v : NULL;
}
