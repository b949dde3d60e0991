/* SPDX-License-Identifier: MIT */
/*
 * The board-file parser's helpers, shared by the sections, which live next
 * to their subsystems (lan/lan_cfg.c, sensors/sensor_cfg.c, ...) and are
 * wired to the parse through their modules' descriptors (daemon/module.h).
 * Every helper reports problems as "KEY.PATH: what is wrong" through
 * cfg_report() and carries on; a section parser never stops at the first
 * problem.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "daemon/config.h"

#define PATH_LEN 128		/* "sensors[12].thresholds.unc" and friends */
#define SHOW_LEN 48		/* longest quoted value shown in a message */

struct pctx {
	cfg_error_fn fn;
	void *userdata;
	unsigned n_errors;
};

/* Report "PATH: message" (just "message" when path is NULL). */
void cfg_report(struct pctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s for display: printable ASCII, '"' and '\' escaped, others \xNN. */
void cfg_escape(char *out, size_t size, const char *s, size_t len);
/* "parent.key" and "parent[i]" into out (PATH_LEN bytes). */
void cfg_path_key(char *out, const char *parent, const char *key);
void cfg_path_index(char *out, const char *parent, size_t i);

bool cfg_is_type(struct pctx *c, const char *path, json_object *v, enum json_type t);
/* Report every key of obj not in 'known' (NULL-terminated). */
void cfg_check_keys(struct pctx *c, json_object *obj, const char *parent, const char *const *known);
/* obj.key and its path; reports "missing" when required and absent. */
bool cfg_find(struct pctx *c, json_object *obj, const char *parent, const char *key,
	      bool required, char *path, json_object **v);
bool cfg_int_value(struct pctx *c, const char *path, json_object *v, int64_t lo, int64_t hi,
		   int64_t *out);
/* Optional typed keys: false when absent or wrong (wrong is reported). */
bool cfg_get_int(struct pctx *c, json_object *obj, const char *parent, const char *key,
		 int64_t lo, int64_t hi, int64_t *out);
bool cfg_get_number(struct pctx *c, json_object *obj, const char *parent, const char *key,
		    double lo, double hi, double *out);
/* A byte given as an integer or as a "0xNN" string (addresses), lo..hi;
 * a bad string is reported as "\"S\" is not <what>". */
bool cfg_get_byte(struct pctx *c, json_object *obj, const char *parent, const char *key,
		  bool required, uint8_t lo, uint8_t hi, const char *what, uint8_t *out);
bool cfg_get_bool(struct pctx *c, json_object *obj, const char *parent, const char *key, bool *out);
bool cfg_get_string(struct pctx *c, json_object *obj, const char *parent, const char *key,
		    bool required, char *path, const char **s, size_t *len);
json_object *cfg_get_array(struct pctx *c, json_object *obj, const char *parent, const char *key,
			   bool required, char *path);
/* A top-level section: an object whose keys are all in 'known'. */
json_object *cfg_section(struct pctx *c, json_object *root, const char *key, const char *const *known);
bool cfg_printable_ascii(const char *s, size_t len);
/* Index of s in list (NULL-terminated), or -1. */
int cfg_lookup_word(const char *s, size_t len, const char *const *list);
/* A string that must be one of 'words': its index; -1 when absent or not
 * one of them (reported with the list of words). */
int cfg_get_word(struct pctx *c, json_object *obj, const char *parent, const char *key,
		 const char *const *words, const char *what);

/* obj.key, printable ASCII of 1..max characters (never quoted: it may be
 * a secret): its length and *s, or -1 when absent or reported ('empty' is
 * the message for ""). */
int cfg_get_ascii(struct pctx *c, json_object *obj, const char *parent, const char *key,
		  bool required, size_t max, const char *empty, const char **s);
/* obj.key, when there, as an absolute path into out (size bytes), else
 * "not an absolute WHAT of at most SIZE-1 bytes". */
void cfg_get_abs_path(struct pctx *c, json_object *obj, const char *parent, const char *key,
		      const char *what, char *out, size_t size);
/* Strict unsigned decimal: 1..9 digits and nothing else. */
bool cfg_decimal(const char *s, size_t len, unsigned *out);
/* obj.key, when there, as "unix:/PATH" or "tcp:HOST:PORT" into out (size
 * bytes). */
void cfg_get_socket_spec(struct pctx *c, json_object *obj, const char *parent, const char *key,
			 char *out, size_t size);

/*
 * An array of objects, obj.key: fn(c, elem, path, i, ctx) for each element
 * that is an object, with its path "parent.key[i]"; any other element is
 * reported as a type error (cfg_each_type: elements of type t).  Absent: false, reported as missing when
 * required.  Longer than max: "more than MAX NOUN", and the first max are
 * parsed.  True when the elements were walked.
 */
typedef void cfg_each_fn(struct pctx *c, json_object *elem, const char *path, size_t i,
			 void *ctx);
bool cfg_each_type(struct pctx *c, json_object *obj, const char *parent, const char *key,
		   bool required, unsigned max, const char *noun, enum json_type t,
		   cfg_each_fn *fn, void *ctx);
static inline bool cfg_each(struct pctx *c, json_object *obj, const char *parent, const char *key,
			    bool required, unsigned max, const char *noun, cfg_each_fn *fn, void *ctx)
{
	return cfg_each_type(c, obj, parent, key, required, max, noun, json_type_object, fn, ctx);
}
/* The same for the first n elements of arr (path 'path') that are of type
 * t, for a list whose length the caller checks with a message of its own;
 * false when any element was not of type t. */
bool cfg_each_of(struct pctx *c, json_object *arr, const char *path, size_t n,
		 enum json_type t, cfg_each_fn *fn, void *ctx);

/* obj.key, an array, and in *n its length up to max; beyond, "N NOUN;
 * bmcd supports at most MAX" (what a device list says). */
json_object *cfg_get_array_max(struct pctx *c, json_object *obj, const char *parent,
			       const char *key, size_t max, const char *noun, char *path, size_t *n);
