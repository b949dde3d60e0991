/* SPDX-License-Identifier: MIT */
/*
 * The libvirt host backend as a module (docs/architecture.md, "The libvirt
 * module"): boards/libvirt_host.c is built into bmcd-libvirt.so, linked with
 * libvirt, so that bmcd itself does not load libvirt and the sixty-odd
 * libraries it pulls in unless a board names the backend.
 *
 * The module is looked for next to the executable first (the build
 * directory), then in BMCD_MODULEDIR (libdir/bmcd), loaded with RTLD_NOW (a
 * symbol it misses is an error at load, not at the first power command) and
 * RTLD_LOCAL, and never unloaded: libvirt is not made to be.  It calls into
 * bmcd through the few symbols the executable exports
 * (boards/libvirt_exports.list).  Its three entry points have the types
 * boards/libvirt_host.h declares, which both sides compile against.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/libvirt_host.h"
#include "daemon/log.h"

#define MODULE_NAME "bmcd-libvirt.so"

/* The module's file: next to the executable if there is one there, else
 * the installed one.  false if the path does not fit. */
static bool module_path(char *path, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(path, size, "%s/" MODULE_NAME, exe) < (int)size &&
			    access(path, F_OK) == 0)
				return true;
		}
	}
	return snprintf(path, size, "%s/" MODULE_NAME, BMCD_MODULEDIR) < (int)size;
}

/* The module's symbol 'name'; load: load the module if it is not yet (else
 * it must be).  NULL when it cannot be had (logged when loading). */
static void *module_sym(const char *name, bool load)
{
	char path[PATH_MAX];
	void *dl, *sym;

	if (!module_path(path, sizeof(path))) {
		log_error("libvirt backend: module path too long");
		return NULL;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | (load ? 0 : RTLD_NOLOAD));
	if (!dl) {
		const char *why = dlerror() ?: "unknown error";
		size_t n = strlen(path);

		/* glibc's message starts with the path: say it once */
		if (!strncmp(why, path, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;
		if (load)
			log_error("libvirt backend: cannot load %s: %s", path, why);
		return NULL;
	}
	sym = dlsym(dl, name);
	if (!sym)
		log_error("libvirt backend: %s: no symbol %s", path, name);
	if (!load)
		dlclose(dl);		/* RTLD_NOLOAD took a reference */
	return sym;
}

int libvirt_host_power_init(struct bmc *bmc, const struct power_timing *base)
{
	__typeof__(libvirt_host_power_init) *fn = module_sym("libvirt_host_power_init", true);

	return fn ? fn(bmc, base) : -ENOENT;
}

/* A host exists only once the module is loaded. */
struct libvirt_host *libvirt_host_free(struct libvirt_host *h)
{
	__typeof__(libvirt_host_free) *fn;

	if (!h)
		return NULL;
	fn = module_sym("libvirt_host_free", false);
	return fn ? fn(h) : NULL;
}

int libvirt_host_open_console(struct libvirt_host *h, struct uart *u)
{
	__typeof__(libvirt_host_open_console) *fn;

	if (!h)
		return -ENODEV;
	fn = module_sym("libvirt_host_open_console", false);
	return fn ? fn(h, u) : -ENOENT;
}

int libvirt_domain_names(const char *uri, char ***names, size_t *n)
{
	__typeof__(libvirt_domain_names) *fn = module_sym("libvirt_domain_names", true);

	*names = NULL;
	*n = 0;
	return fn ? fn(uri, names, n) : -ENOENT;
}

/* The names are the module's malloc()s: the one C library frees them. */
void libvirt_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
